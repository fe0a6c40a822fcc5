// Package report writes the monthly report for the ЦУР (Центр
// управления регионом) and the quality assessment of decree 4.6 as an
// XLSX workbook: a summary by direction with a chart, every appeal of the
// month, the quality of answers, the drafts curators returned, and the
// incidents of the month with the appeals they gathered.
//
// The month's appeals are those received in it (in Options.Location);
// their states, answers and ratings are as of Options.Now. The big sheets
// are written with excelize's stream writer while storage streams the
// rows, and the figures are tallies, so a month of any size is written in
// about the same memory. docs/report.md defines every
// figure.
package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"mcu/render"
	"mcu/reportrow"
	"mcu/workflow"
)

// Store is what a report reads; *storage.DB implements it.
type Store interface {
	// ReadMonth feeds sink with the appeals received in [from, to) and
	// what else reportrow.Sink says, from one snapshot.
	ReadMonth(ctx context.Context, from, to time.Time, sink reportrow.Sink) error
}

// Options are what a report needs besides its month and store.
type Options struct {
	// Location is MCU_TIMEZONE: the month, the dates and the working
	// days are taken in it.
	Location *time.Location
	// Calendar counts working days (workflow.NewCalendar).
	Calendar Calendar
	// Now is the report's time, default time.Now: open appeals past
	// their deadline then count as overdue.
	Now func() time.Time
}

// Write writes the report of month to w as an XLSX workbook.
func Write(ctx context.Context, w io.Writer, month Month, store Store, opts Options) (err error) {
	if opts.Location == nil || opts.Calendar == nil {
		return errors.New("report: Options need a Location and a Calendar")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	from, to := month.Bounds(opts.Location)
	book, err := newWorkbook(month, from, to, opts.Now(), opts.Location)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := book.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("report: close workbook: %w", cerr)
		}
	}()
	c := &collector{book: book, opts: opts, asOf: book.asOf, figures: newFigures()}
	if err := store.ReadMonth(ctx, from, to, c); err != nil {
		return fmt.Errorf("report: read %s: %w", month, err)
	}
	if err := book.finish(c.figures, c.directions, c.staff, c.incidents); err != nil {
		return fmt.Errorf("report: write %s: %w", month, err)
	}
	if err := book.file.Write(w); err != nil {
		return fmt.Errorf("report: write %s: %w", month, err)
	}
	return nil
}

// collector is the reportrow.Sink of Write: it writes each appeal and
// each returned draft as a row as it comes, and tallies them.
type collector struct {
	book       *workbook
	opts       Options
	asOf       time.Time
	figures    *figures
	directions []workflow.Direction
	names      map[string]string // direction code → name
	staff      map[int64]string
	incidents  incidentTally
}

func (c *collector) Directions(ds []workflow.Direction) error {
	c.directions = ds
	c.names = make(map[string]string, len(ds))
	for _, d := range ds {
		c.names[d.Code] = d.Name
	}
	return nil
}

func (c *collector) StaffNames(names map[int64]string) error {
	c.staff = names
	return nil
}

func (c *collector) Appeal(a *reportrow.Appeal) error {
	o := assess(a, c.asOf, c.opts.Location, c.opts.Calendar)
	c.figures.addAppeal(a, o)
	return c.book.appealRow(a, o, render.DirectionName(a.Direction, c.names))
}

func (c *collector) Return(r *reportrow.Return) error {
	label := render.ReportReturnReason(r.Reason)
	c.figures.addReturn(r, label)
	return c.book.returnRow(r, label, render.DirectionName(r.Direction, c.names),
		render.ReportExecutor(r.ActorID, c.staff[r.ActorID]))
}

func (c *collector) Incident(i *reportrow.Incident) error {
	c.incidents.incidents++
	c.incidents.gathered += i.Gathered
	c.incidents.answered += i.Answered
	return c.book.incidentRow(i, render.DirectionName(i.Direction, c.names))
}

// excelTime is t's wall clock in loc as a time in UTC: a spreadsheet's
// dates have no zone, and excelize counts them from UTC.
func excelTime(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// sheet is a worksheet written row by row with a stream writer.
type sheet struct {
	name string
	sw   *excelize.StreamWriter
	row  int // the last row written
}

// put writes cells as the next row.
func (s *sheet) put(cells ...any) error { return s.putRow(excelize.RowOpts{}, cells...) }

// putRow writes cells as the next row, with the row's options.
func (s *sheet) putRow(opts excelize.RowOpts, cells ...any) error {
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, cells, opts)
}

// skip leaves n rows empty.
func (s *sheet) skip(n int) { s.row += n }

// layout sets the column widths (from column A) and freezes the rows
// above row+1 and the columns left of col+1; it comes before any row.
func (s *sheet) layout(widths []float64, rows, cols int) error {
	for i, w := range widths {
		if err := s.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	topLeft, err := excelize.CoordinatesToCellName(cols+1, rows+1)
	if err != nil {
		return err
	}
	pane := "bottomLeft"
	if cols > 0 {
		pane = "bottomRight"
	}
	return s.sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: cols, YSplit: rows, TopLeftCell: topLeft, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: topLeft, ActiveCell: topLeft, Pane: pane}},
	})
}
