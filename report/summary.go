package report

import (
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"mcu/render"
	"mcu/workflow"
)

// valueKind is how a figure is shown.
type valueKind int

const (
	asCount   valueKind = iota // a whole number
	asDecimal                  // one decimal: an average
	asShare                    // a percentage
)

// column is a figure of a tally in a table of figures.
type column struct {
	heading string
	width   float64
	kind    valueKind
	value   func(t *tally) (float64, bool) // false: nothing to show
}

func countOf(n func(t *tally) int) func(t *tally) (float64, bool) {
	return func(t *tally) (float64, bool) { return float64(n(t)), true }
}

// summaryColumns are the summary's columns after the direction: received
// in all, by kind and by channel, then the outcomes.
func summaryColumns() []column {
	cols := []column{{render.ReportColReceived, 12, asCount, countOf(func(t *tally) int { return t.received })}}
	for _, k := range workflow.Kinds() {
		cols = append(cols, column{render.ReportKindHeading(k), 13, asCount, countOf(func(t *tally) int { return t.byKind[k] })})
	}
	for _, s := range workflow.Sources() {
		cols = append(cols, column{render.ReportSourceHeading(s), 12, asCount, countOf(func(t *tally) int { return t.bySource[s] })})
	}
	return append(cols,
		column{render.ReportColAnswered, 11, asCount, countOf(func(t *tally) int { return t.answered })},
		column{render.ReportColOnTime, 11, asCount, countOf(func(t *tally) int { return t.onTime })},
		column{render.ReportColOverdue, 11, asCount, countOf(func(t *tally) int { return t.overdue })},
		column{render.ReportColAverageDays, 14, asDecimal, (*tally).averageDays},
		column{render.ReportColMedianDays, 14, asDecimal, (*tally).medianDays},
		column{render.ReportColReopened, 14, asCount, countOf(func(t *tally) int { return t.reopened })},
		column{render.ReportColAverageRating, 11, asDecimal, (*tally).averageRating},
		column{render.ReportColShareHigh, 11, asShare, (*tally).shareHigh},
		column{render.ReportColLateRegistered, 15, asCount, countOf(func(t *tally) int { return t.lateRegistered })},
	)
}

// qualityColumns are the columns of the quality sheet's table by
// direction; byExecutor drops the returned drafts, which are the
// curators' and not the executor's.
func qualityColumns(byExecutor bool) []column {
	cols := []column{
		{render.ReportColAnswered, 12, asCount, countOf(func(t *tally) int { return t.answered })},
		{render.ReportColReturned, 12, asCount, countOf(func(t *tally) int { return t.returned })},
		{render.ReportColReopened, 14, asCount, countOf(func(t *tally) int { return t.reopened })},
		{render.ReportColReopenRate, 15, asShare, (*tally).reopenRate},
		{render.ReportColRatings, 10, asCount, countOf(func(t *tally) int { return t.ratings })},
		{render.ReportColAverageRating, 11, asDecimal, (*tally).averageRating},
		{render.ReportColShareHigh, 11, asShare, (*tally).shareHigh},
	}
	if byExecutor {
		cols = slices.Delete(cols, 1, 2)
	}
	return cols
}

// directionOrder is the order of the rows by direction: the directions in
// their order (an inactive one only when it has appeals), then triage.
func directionOrder(ds []workflow.Direction, f *figures) []string {
	var codes []string
	for _, d := range ds {
		if _, seen := f.byDirection[d.Code]; d.Active || seen {
			codes = append(codes, d.Code)
		}
	}
	var unknown []string // a direction read with the appeals but not listed
	for code := range f.byDirection {
		if code != "" && !slices.Contains(codes, code) {
			unknown = append(unknown, code)
		}
	}
	slices.Sort(unknown)
	return append(append(codes, unknown...), "")
}

// executorOrder is the order of the rows by executor: by name, nobody last;
// nobody only when an appeal without an executor was answered or rated.
func executorOrder(f *figures, names map[int64]string) []int64 {
	var ids []int64
	for id, t := range f.byExecutor {
		if id != 0 || t.answered > 0 || t.ratings > 0 {
			ids = append(ids, id)
		}
	}
	label := func(id int64) string { return render.ReportExecutor(id, names[id]) }
	slices.SortFunc(ids, func(a, b int64) int {
		if (a == 0) != (b == 0) {
			return b2i(a == 0) - b2i(b == 0)
		}
		if c := strings.Compare(label(a), label(b)); c != 0 {
			return c
		}
		return int(a - b)
	})
	return ids
}

// figureRow is a row of a table of figures: a label, then the columns.
func (b *workbook) figureRow(s *sheet, label string, t *tally, cols []column, total bool) error {
	st := b.st
	labelStyle, styleOf := st.text, map[valueKind]int{asCount: st.count, asDecimal: st.decimal, asShare: st.share}
	if total {
		labelStyle, styleOf = st.total, map[valueKind]int{asCount: st.countTotal, asDecimal: st.decimalTotal, asShare: st.shareTotal}
	}
	cells := []any{excelize.Cell{StyleID: labelStyle, Value: label}}
	for _, c := range cols {
		cell := excelize.Cell{StyleID: styleOf[c.kind]}
		if v, ok := c.value(t); ok {
			cell.Value = v
			if c.kind == asCount {
				cell.Value = int(v)
			}
		}
		cells = append(cells, cell)
	}
	return s.put(cells...)
}

// labelWidth is the width of a table's first column: a direction's name.
const labelWidth = 62

// headingHeight is the height of a table's heading row, in points:
// room for three lines of a wrapped heading.
const headingHeight = 48

// directionTable writes a table of figures with its heading row: a row per
// direction and a total.
func (b *workbook) directionTable(s *sheet, f *figures, ds []workflow.Direction, cols []column) (first, last int, err error) {
	headings := []string{render.ReportColDirection}
	for _, c := range cols {
		headings = append(headings, c.heading)
	}
	if err := s.putRow(excelize.RowOpts{Height: headingHeight}, b.headings(headings)...); err != nil {
		return 0, 0, err
	}
	names := make(map[string]string, len(ds))
	for _, d := range ds {
		names[d.Code] = d.Name
	}
	first = s.row + 1
	for _, code := range directionOrder(ds, f) {
		t, ok := f.byDirection[code]
		if !ok {
			t = newTally()
		}
		if err := b.figureRow(s, render.DirectionName(code, names), t, cols, false); err != nil {
			return 0, 0, err
		}
	}
	last = s.row
	return first, last, b.figureRow(s, render.ReportTotal, f.total, cols, true)
}

// titled writes a sheet's title and period.
func (b *workbook) titled(s *sheet) error {
	if err := s.put(excelize.Cell{StyleID: b.st.title, Value: b.title}); err != nil {
		return err
	}
	return s.put(excelize.Cell{StyleID: b.st.note, Value: b.period})
}

// summaryHeadingRow is the row of the summary's headings.
const summaryHeadingRow = 4

// writeSummary writes the summary sheet: a row of figures per direction,
// the total, and a chart of received against answered on time.
func (b *workbook) writeSummary(f *figures, ds []workflow.Direction) error {
	s, cols := b.summary, summaryColumns()
	widths := []float64{labelWidth}
	for _, c := range cols {
		widths = append(widths, c.width)
	}
	if err := s.layout(widths, summaryHeadingRow, 1); err != nil {
		return err
	}
	if err := b.titled(s); err != nil {
		return err
	}
	s.skip(summaryHeadingRow - 1 - s.row)
	first, last, err := b.directionTable(s, f, ds, cols)
	if err != nil {
		return err
	}
	return b.chart(s, cols, first, last)
}
