package render

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"mcu/workflow"
)

// The digest's chart is a PNG a phone shows across its width: wide
// enough (ChartWidth ≥ 800 px) and with fonts large enough to read there.
const (
	ChartWidth  = 1200
	ChartHeight = 900
)

// Layout of the chart, in pixels (the chart is drawn at 72 dpi, so a
// font size is a height in pixels).
const (
	chartPadTop     = 150 // title and legend
	chartPadBottom  = 150 // direction names, up to three lines
	chartPadSide    = 40
	chartTitleSize  = 40
	chartLabelSize  = 32
	chartValueSize  = 36
	chartLegendSize = 30
	chartLabelGap   = 8 // between the names of neighbouring directions
)

var (
	chartOpenColor    = drawing.Color{R: 0x2f, G: 0x6f, B: 0xb3, A: 0xff}
	chartOverdueColor = drawing.Color{R: 0xd6, G: 0x3a, B: 0x2f, A: 0xff}
	chartTextColor    = drawing.Color{R: 0x21, G: 0x21, B: 0x21, A: 0xff}
	chartAxisColor    = drawing.Color{R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff}
)

// DigestChart draws the open and the overdue appeals of each of the
// digest's directions as a pair of bars (blue and red), the count above
// each bar and the direction's short name below the pair, as a PNG of
// ChartWidth × ChartHeight. The Y range is fixed from 0 to a little
// above the highest bar, so a bar of 0 stays a visible line at the
// bottom and all bars at 0 still make a chart.
func DigestChart(d workflow.Digest) ([]byte, error) {
	groups := d.Directions
	if len(groups) == 0 {
		return nil, errors.New("render: a digest chart needs at least one direction")
	}
	highest := 0
	for _, g := range groups {
		highest = max(highest, g.Open, g.Overdue)
	}
	// Three slots a direction: open, overdue, a gap (none after the last).
	n := 3*len(groups) - 1
	slot := (ChartWidth - 2*chartPadSide) / n
	spacing := slot / 5
	geo := chartGeometry{slot: slot, spacing: spacing, top: chartTop(highest)}
	var bars []chart.Value
	for i, g := range groups {
		bars = append(bars,
			chart.Value{Value: float64(g.Open), Style: chartBarStyle(chartOpenColor)},
			chart.Value{Value: float64(g.Overdue), Style: chartBarStyle(chartOverdueColor)})
		if i < len(groups)-1 {
			bars = append(bars, chart.Value{Value: 0, Style: chartBarStyle(drawing.ColorTransparent)})
		}
	}
	bc := chart.BarChart{
		Title:      chartTitle,
		TitleStyle: chart.Style{FontSize: chartTitleSize, FontColor: chartTextColor, Padding: chart.Box{Top: 24}},
		Width:      ChartWidth, Height: ChartHeight, DPI: 72,
		Background: chart.Style{Padding: chart.Box{Top: chartPadTop, Left: chartPadSide, Right: chartPadSide, Bottom: chartPadBottom}},
		Canvas:     chart.Style{FillColor: drawing.ColorWhite},
		XAxis:      chart.Style{Hidden: true},
		YAxis:      chart.YAxis{Style: chart.Style{Hidden: true}, Range: &chart.ContinuousRange{Min: 0, Max: geo.top}},
		BarWidth:   slot - spacing,
		BarSpacing: spacing,
		Bars:       bars,
		Elements:   []chart.Renderable{geo.drawLegend, geo.drawer(groups)},
	}
	var buf bytes.Buffer
	if err := bc.Render(chart.PNG, &buf); err != nil {
		return nil, fmt.Errorf("render: unable to draw the digest chart: %w", err)
	}
	return buf.Bytes(), nil
}

// chartTop is the top of the Y range: a fifth above the highest bar, to
// leave room for its count, and never below 5.
func chartTop(highest int) float64 {
	return max(5, float64(highest)*1.2)
}

func chartBarStyle(c drawing.Color) chart.Style {
	return chart.Style{FillColor: c, StrokeColor: c, StrokeWidth: 4}
}

// chartGeometry is where BarChart puts the bars: it gives every bar a
// slot of the same width, the bar in its middle, when the bars fit the
// canvas (they do: their widths are computed from it).
type chartGeometry struct {
	slot, spacing int
	top           float64
}

// barLeft is the left edge of bar i.
func (g chartGeometry) barLeft(canvas chart.Box, i int) int {
	return canvas.Left + i*g.slot + g.spacing>>1
}

// barTop is the top of a bar of value v.
func (g chartGeometry) barTop(canvas chart.Box, v int) int {
	return canvas.Bottom - int(float64(v)/g.top*float64(canvas.Height()))
}

// drawer draws what BarChart does not: the base line, the count above
// each bar and the directions' names below their pairs.
func (g chartGeometry) drawer(groups []workflow.DirectionFigures) chart.Renderable {
	return func(r chart.Renderer, canvas chart.Box, defaults chart.Style) {
		// Just below the bars, so that a bar of 0 shows whole.
		axis := chart.Style{StrokeColor: chartAxisColor, StrokeWidth: 2}
		axis.WriteDrawingOptionsToRenderer(r)
		r.MoveTo(canvas.Left, canvas.Bottom+4)
		r.LineTo(canvas.Right, canvas.Bottom+4)
		r.Stroke()
		value := chart.Style{FontSize: chartValueSize, FontColor: chartTextColor, Font: defaults.Font,
			TextHorizontalAlign: chart.TextHorizontalAlignCenter}
		width := g.slot - g.spacing
		names := make([]string, len(groups))
		for k, f := range groups {
			names[k] = ShortDirection(f)
		}
		labelWidth := 3*g.slot - 2*chartLabelGap
		size := labelSize(r, names, labelWidth, defaults.Font)
		for k, f := range groups {
			for j, v := range []int{f.Open, f.Overdue} {
				left, top := g.barLeft(canvas, 3*k+j), g.barTop(canvas, v)
				box := chart.Box{Left: left - g.spacing, Right: left + width + g.spacing,
					Top: top - chartValueSize - 14, Bottom: top - 6}
				chart.Draw.TextWithin(r, strconv.Itoa(v), box, value)
			}
			// The name under the pair, across most of its gaps on both
			// sides.
			left := canvas.Left + 3*k*g.slot - g.slot/2 + chartLabelGap
			drawLabel(r, names[k], left, left+labelWidth, canvas.Bottom+20, size, defaults.Font)
		}
	}
}

// labelSize is the font size of the directions' names: the largest up
// to chartLabelSize in which every word of every name fits width.
func labelSize(r chart.Renderer, names []string, width int, font *truetype.Font) float64 {
	size := float64(chartLabelSize)
	for ; size > chartLabelSize/2; size -= 2 {
		chart.Style{FontSize: size, Font: font}.WriteTextOptionsToRenderer(r)
		fits := true
		for _, name := range names {
			for _, w := range labelWords(name) {
				fits = fits && r.MeasureText(w).Width() <= width
			}
		}
		if fits {
			break
		}
	}
	return size
}

// labelWords are the words of a name as lines may break it: a word of
// one letter («и», «в») stays with the word after it.
func labelWords(name string) []string {
	var out []string
	for _, w := range strings.Fields(name) {
		if n := len(out); n > 0 && utf8.RuneCountInString(out[n-1]) == 1 {
			out[n-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

// drawLabel writes a direction's name centred between left and right
// from top down, as many words a line as fit, in font size size.
func drawLabel(r chart.Renderer, name string, left, right, top int, size float64, font *truetype.Font) {
	chart.Style{FontSize: size, Font: font, FontColor: chartTextColor}.WriteTextOptionsToRenderer(r)
	var lines []string
	for _, w := range labelWords(name) {
		if n := len(lines); n > 0 && r.MeasureText(lines[n-1]+" "+w).Width() <= right-left {
			lines[n-1] += " " + w
			continue
		}
		lines = append(lines, w)
	}
	y := top + int(size)
	for _, line := range lines {
		r.Text(line, left+(right-left-r.MeasureText(line).Width())/2, y)
		y += int(size * 1.25)
	}
}

// drawLegend draws which colour is which, under the title.
func (g chartGeometry) drawLegend(r chart.Renderer, canvas chart.Box, defaults chart.Style) {
	x, y := canvas.Left, chartPadTop-chartLegendSize-26
	for _, item := range []struct {
		color drawing.Color
		text  string
	}{{chartOpenColor, chartOpen}, {chartOverdueColor, chartOverdue}} {
		chart.Draw.Box(r, chart.Box{Left: x, Top: y, Right: x + chartLegendSize, Bottom: y + chartLegendSize},
			chart.Style{FillColor: item.color, StrokeColor: item.color, StrokeWidth: 1})
		style := chart.Style{FontSize: chartLegendSize, FontColor: chartTextColor, Font: defaults.Font}
		style.WriteTextOptionsToRenderer(r)
		r.Text(item.text, x+chartLegendSize+12, y+chartLegendSize-4)
		x += chartLegendSize + 12 + r.MeasureText(item.text).Width() + 48
	}
}
