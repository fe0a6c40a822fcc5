package report

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"mcu/render"
	"mcu/reportrow"
	"mcu/workflow"
)

// workbook is the report being written: its sheets and styles.
type workbook struct {
	file      *excelize.File
	st        styles
	loc       *time.Location
	asOf      time.Time
	title     string
	period    string
	summary   *sheet
	appeals   *sheet
	quality   *sheet
	returned  *sheet
	incidents *sheet
}

// styles are the cell styles of the report, by use.
type styles struct {
	title, header, text, total        int
	count, countTotal                 int
	decimal, decimalTotal             int
	share, shareTotal, datetime, note int
}

const (
	formatDateTime = "dd.mm.yyyy hh:mm"
	formatDecimal  = "0.0"
	formatShare    = "0.0%"
)

func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	bold := &excelize.Font{Bold: true}
	str := func(s string) *string { return &s }
	var st styles
	defs := []struct {
		to    *int
		style excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&st.header, excelize.Style{Font: bold, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}}},
		{&st.text, excelize.Style{Border: border}},
		{&st.total, excelize.Style{Border: border, Font: bold}},
		{&st.count, excelize.Style{Border: border, NumFmt: 1}},
		{&st.countTotal, excelize.Style{Border: border, NumFmt: 1, Font: bold}},
		{&st.decimal, excelize.Style{Border: border, CustomNumFmt: str(formatDecimal)}},
		{&st.decimalTotal, excelize.Style{Border: border, CustomNumFmt: str(formatDecimal), Font: bold}},
		{&st.share, excelize.Style{Border: border, CustomNumFmt: str(formatShare)}},
		{&st.shareTotal, excelize.Style{Border: border, CustomNumFmt: str(formatShare), Font: bold}},
		{&st.datetime, excelize.Style{Border: border, CustomNumFmt: str(formatDateTime)}},
		{&st.note, excelize.Style{Font: &excelize.Font{Italic: true}}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return st, err
		}
		*d.to = id
	}
	return st, nil
}

// Columns of the appeals sheet and of the returns sheet.
var (
	appealHeadings = []string{
		render.ReportColNumber, render.ReportColReceivedAt, render.ReportColRegisteredAt, render.ReportColDirection,
		render.ReportColKind, render.ReportColSource, render.ReportColState, render.ReportColDueAt,
		render.ReportColExtended, render.ReportColAnsweredAt, render.ReportColDaysTaken, render.ReportColAnsweredOnTime,
		render.ReportColReopenCount, render.ReportColRating,
	}
	appealWidths = []float64{14, 17, 19, 40, 20, 18, 26, 17, 10, 17, 15, 8, 16, 12}

	returnHeadings = []string{
		render.ReportColNumber, render.ReportColDirection, render.ReportColReturnedAt, render.ReportColReturnedBy,
		render.ReportColReturnedByRole, render.ReportColReason, render.ReportColReasonText,
	}
	returnWidths = []float64{14, 40, 17, 24, 14, 24, 60}

	incidentHeadings = []string{
		render.ReportColIncident, render.ReportColDirection, render.ReportColMadeAt, render.ReportColTerm,
		render.ReportColState, render.ReportColAnsweredAt, render.ReportColGathered, render.ReportColAnsweredByIt,
	}
	incidentWidths = []float64{40, 40, 17, 17, 24, 17, 14, 18}
)

// newWorkbook makes the workbook of the month [from, to) as of asOf,
// with its five sheets, and writes the headings of the three lists.
func newWorkbook(month Month, from, to, asOf time.Time, loc *time.Location) (*workbook, error) {
	f := excelize.NewFile()
	b := &workbook{file: f, loc: loc, asOf: asOf,
		title:  render.ReportTitle(month.Year, month.Month),
		period: render.ReportPeriod(from, to.AddDate(0, 0, -1), asOf, loc)}
	if err := b.start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("report: start workbook: %w", err)
	}
	return b, nil
}

func (b *workbook) start() error {
	f := b.file
	var err error
	if b.st, err = newStyles(f); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", render.ReportSheetSummary); err != nil {
		return err
	}
	for _, name := range []string{render.ReportSheetAppeals, render.ReportSheetQuality, render.ReportSheetReturns,
		render.ReportSheetIncidents} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	if err := printLayout(f); err != nil {
		return err
	}
	for _, s := range []struct {
		to   **sheet
		name string
	}{
		{&b.summary, render.ReportSheetSummary}, {&b.appeals, render.ReportSheetAppeals},
		{&b.quality, render.ReportSheetQuality}, {&b.returned, render.ReportSheetReturns},
		{&b.incidents, render.ReportSheetIncidents},
	} {
		sw, err := f.NewStreamWriter(s.name)
		if err != nil {
			return err
		}
		*s.to = &sheet{name: s.name, sw: sw}
	}
	if err := b.appeals.layout(appealWidths, 1, 1); err != nil {
		return err
	}
	if err := b.appeals.putRow(excelize.RowOpts{Height: headingHeight}, b.headings(appealHeadings)...); err != nil {
		return err
	}
	if err := b.returned.layout(returnWidths, 1, 1); err != nil {
		return err
	}
	if err := b.returned.putRow(excelize.RowOpts{Height: headingHeight}, b.headings(returnHeadings)...); err != nil {
		return err
	}
	if err := b.incidents.layout(incidentWidths, 1, 1); err != nil {
		return err
	}
	return b.incidents.putRow(excelize.RowOpts{Height: headingHeight}, b.headings(incidentHeadings)...)
}

// printLayout prints every sheet landscape, as wide as one page: set
// before the streams start, which write the sheet's properties first.
func printLayout(f *excelize.File) error {
	fit, tall := true, 0
	wide := 1
	for _, name := range f.GetSheetList() {
		if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return err
		}
		err := f.SetPageLayout(name, &excelize.PageLayoutOptions{
			Orientation: ptr("landscape"), FitToWidth: &wide, FitToHeight: &tall,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// headings are heading cells.
func (b *workbook) headings(texts []string) []any {
	cells := make([]any, len(texts))
	for i, t := range texts {
		cells[i] = excelize.Cell{StyleID: b.st.header, Value: t}
	}
	return cells
}

// at is a date and time cell, empty for the zero time.
func (b *workbook) at(t time.Time) excelize.Cell {
	if t.IsZero() {
		return excelize.Cell{StyleID: b.st.datetime}
	}
	return excelize.Cell{StyleID: b.st.datetime, Value: excelTime(t, b.loc)}
}

// appealRow writes an appeal to the appeals sheet: no text, address or
// anything else personal.
func (b *workbook) appealRow(a *reportrow.Appeal, o outcome, direction string) error {
	text := func(s string) excelize.Cell { return excelize.Cell{StyleID: b.st.text, Value: s} }
	count := func(n int, ok bool) excelize.Cell {
		if !ok {
			return excelize.Cell{StyleID: b.st.count}
		}
		return excelize.Cell{StyleID: b.st.count, Value: n}
	}
	extended, onTime := "", ""
	if a.Extended {
		extended = render.ReportYes
	}
	if o.answered {
		onTime = render.ReportNo
		if o.onTime {
			onTime = render.ReportYes
		}
	}
	rating, rated := 0, len(a.Ratings) > 0
	if rated {
		rating = a.Ratings[len(a.Ratings)-1]
	}
	return b.appeals.put(
		text(a.Number), b.at(a.ReceivedAt), b.at(a.RegisteredAt), text(direction),
		text(render.ReportKindName(a.Kind)), text(render.SourceName(a.Source)), text(render.ReportStateName(a.State)),
		b.at(a.DueAt), text(extended), b.at(a.AnsweredAt), count(o.days, o.answered), text(onTime),
		count(a.ReopenCount, true), count(rating, rated),
	)
}

// returnRow writes a returned draft to the returns sheet.
func (b *workbook) returnRow(r *reportrow.Return, label, direction, by string) error {
	text := func(s string) excelize.Cell { return excelize.Cell{StyleID: b.st.text, Value: s} }
	return b.returned.put(
		text(r.Number), text(direction), b.at(r.At), text(by),
		text(render.RoleName(workflow.Role(r.Role))), text(label), text(r.Reason),
	)
}

// incidentRow writes an incident of the month to the incidents sheet.
func (b *workbook) incidentRow(i *reportrow.Incident, direction string) error {
	text := func(s string) excelize.Cell { return excelize.Cell{StyleID: b.st.text, Value: s} }
	count := func(n int) excelize.Cell { return excelize.Cell{StyleID: b.st.count, Value: n} }
	return b.incidents.put(
		text(i.Title), text(direction), b.at(i.CreatedAt), b.at(i.ExpectedAt),
		text(render.ReportIncidentStateName(i.State)), b.at(i.AnsweredAt), count(i.Gathered), count(i.Answered),
	)
}

// incidentTotal writes the incidents sheet's total: how many incidents,
// the appeals they gathered and those their answers answered.
func (b *workbook) incidentTotal(t incidentTally) error {
	total := func(n int) excelize.Cell { return excelize.Cell{StyleID: b.st.countTotal, Value: n} }
	empty := excelize.Cell{StyleID: b.st.total}
	return b.incidents.put(excelize.Cell{StyleID: b.st.total, Value: render.ReportTotal}, empty,
		total(t.incidents), empty, empty, empty, total(t.gathered), total(t.answered))
}

// incidentTally sums the incidents of the month.
type incidentTally struct{ incidents, gathered, answered int }
