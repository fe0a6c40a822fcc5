package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"mcu/render"
	"mcu/workflow"
)

// chart adds to the summary, below its table, a bar chart of received
// against answered on time for the direction rows first..last. It is
// added while the sheet's stream is open: excelize writes the drawing's
// reference when the stream is flushed.
func (b *workbook) chart(s *sheet, cols []column, first, last int) error {
	cell := func(col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col, row, true)
		return name
	}
	ref := func(col, row int) string { return fmt.Sprintf("'%s'!%s", s.name, cell(col, row)) }
	span := func(col int) string { return ref(col, first) + ":" + cell(col, last) }
	// Columns counted from A, the direction: B is received in all.
	received, onTime := 2, 2
	for i, c := range cols {
		if c.heading == render.ReportColOnTime {
			onTime = i + 2
		}
	}
	series := func(col int) excelize.ChartSeries {
		return excelize.ChartSeries{Name: ref(col, summaryHeadingRow), Categories: span(1), Values: span(col)}
	}
	anchor, err := excelize.CoordinatesToCellName(1, s.row+3)
	if err != nil {
		return err
	}
	return b.file.AddChart(s.name, anchor, &excelize.Chart{
		Type:      excelize.Bar,
		Series:    []excelize.ChartSeries{series(received), series(onTime)},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: render.ReportChartTitle}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Format:    excelize.GraphicOptions{ScaleX: 1, ScaleY: 1},
		Dimension: excelize.ChartDimension{Width: 900, Height: uint(120 + 40*(last-first+1))},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
	})
}

// writeQuality writes the quality sheet: answers, returned drafts,
// reopens and ratings by direction; the same by executor; and the
// returned drafts by reason.
func (b *workbook) writeQuality(f *figures, ds []workflow.Direction, staff map[int64]string) error {
	s := b.quality
	byDirection := qualityColumns(false)
	widths := []float64{labelWidth}
	for _, c := range byDirection {
		widths = append(widths, c.width)
	}
	if err := s.layout(widths, 2, 0); err != nil {
		return err
	}
	if err := b.titled(s); err != nil {
		return err
	}
	if err := b.section(s, render.ReportQualityByDirection); err != nil {
		return err
	}
	if _, _, err := b.directionTable(s, f, ds, byDirection); err != nil {
		return err
	}
	if err := b.section(s, render.ReportQualityByExecutor); err != nil {
		return err
	}
	byExecutor := qualityColumns(true)
	headings := []string{render.ReportColExecutor}
	for _, c := range byExecutor {
		headings = append(headings, c.heading)
	}
	if err := s.putRow(excelize.RowOpts{Height: headingHeight}, b.headings(headings)...); err != nil {
		return err
	}
	for _, id := range executorOrder(f, staff) {
		if err := b.figureRow(s, render.ReportExecutor(id, staff[id]), f.byExecutor[id], byExecutor, false); err != nil {
			return err
		}
	}
	return b.reasons(s, f)
}

// reasons writes the table of returned drafts by reason.
func (b *workbook) reasons(s *sheet, f *figures) error {
	if err := b.section(s, render.ReportQualityByReason); err != nil {
		return err
	}
	if err := s.putRow(excelize.RowOpts{Height: headingHeight}, b.headings([]string{render.ReportColReason, render.ReportColCount})...); err != nil {
		return err
	}
	for _, label := range render.ReportReturnReasonLabels() {
		err := s.put(excelize.Cell{StyleID: b.st.text, Value: label}, excelize.Cell{StyleID: b.st.count, Value: f.byReason[label]})
		if err != nil {
			return err
		}
	}
	return s.put(excelize.Cell{StyleID: b.st.total, Value: render.ReportTotal},
		excelize.Cell{StyleID: b.st.countTotal, Value: f.total.returned})
}

// section leaves a row empty and writes a section's heading.
func (b *workbook) section(s *sheet, heading string) error {
	s.skip(1)
	return s.put(excelize.Cell{StyleID: b.st.title, Value: heading})
}

// finish writes the summary and the quality sheet from the figures and
// ends every sheet's stream.
func (b *workbook) finish(f *figures, ds []workflow.Direction, staff map[int64]string, inc incidentTally) error {
	if err := b.incidentTotal(inc); err != nil {
		return err
	}
	if err := b.writeSummary(f, ds); err != nil {
		return err
	}
	if err := b.writeQuality(f, ds, staff); err != nil {
		return err
	}
	for _, s := range []*sheet{b.summary, b.appeals, b.quality, b.returned, b.incidents} {
		if err := s.sw.Flush(); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	return nil
}
