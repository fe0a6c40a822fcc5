package render_test

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"mcu/render"
	"mcu/workflow"
)

var chartOut = flag.String("chart-out", "", "write the test charts as PNG files to this directory, to look at them")

// chartImage draws the chart of d and decodes it.
func chartImage(t *testing.T, name string, d workflow.Digest) image.Image {
	t.Helper()
	data, err := render.DigestChart(d)
	if err != nil {
		t.Fatal(err)
	}
	if *chartOut != "" {
		if err := os.WriteFile(filepath.Join(*chartOut, name+".png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	return img
}

// TestDigestChart: the chart is a PNG wide enough for a phone, with the
// bars in their colours; a direction with nothing open still shows its
// bars as lines at the bottom, and a digest with nothing open at all is
// still a chart.
func TestDigestChart(t *testing.T) {
	dirs := digestDirections()
	counts := [][2]int{{2, 1}, {2, 0}, {12, 5}, {3, 1}, {0, 0}}
	for i, c := range counts {
		dirs[i].Open, dirs[i].Overdue = c[0], c[1]
	}
	dirs = append(dirs, workflow.DirectionFigures{Open: 2, Overdue: 1})
	img := chartImage(t, "digest", workflow.Digest{Directions: dirs})
	if b := img.Bounds(); b.Dx() != render.ChartWidth || b.Dy() != render.ChartHeight || b.Dx() < 800 {
		t.Fatalf("the chart is %v, want %d×%d (at least 800 wide)", b, render.ChartWidth, render.ChartHeight)
	}
	open, overdue := colorColumns(img, 0x2f, 0x6f, 0xb3), colorColumns(img, 0xd6, 0x3a, 0x2f)
	// Six directions: six blue bars and six red ones.
	if len(open) != 6 || len(overdue) != 6 {
		t.Errorf("%d blue and %d red columns, want 6 of each", len(open), len(overdue))
	}
	// The direction with nothing open: its bars are lines, but there.
	if len(open) == 6 && len(overdue) == 6 {
		if h := open[4].height; h < 2 || h > 6 {
			t.Errorf("the blue bar of 0 is %d px high, want a line of 2–6 px", h)
		}
		if h := overdue[4].height; h < 2 || h > 6 {
			t.Errorf("the red bar of 0 is %d px high, want a line of 2–6 px", h)
		}
		if h2, h12 := open[0].height, open[2].height; h12 < 5*h2 || h12 > 7*h2 {
			t.Errorf("the bar of 12 is %d px high, the bar of 2 %d px: not in proportion", h12, h2)
		}
	}

	// Without triage: five directions, more room for their names.
	chartImage(t, "digest_five", workflow.Digest{Directions: dirs[:5]})

	// Nothing open anywhere: bars of 0 only, still a chart.
	img = chartImage(t, "digest_empty", workflow.Digest{Directions: digestDirections()})
	if open, overdue := colorColumns(img, 0x2f, 0x6f, 0xb3), colorColumns(img, 0xd6, 0x3a, 0x2f); len(open) != 5 || len(overdue) != 5 {
		t.Errorf("an empty chart: %d blue and %d red columns, want 5 of each", len(open), len(overdue))
	}
	if _, err := render.DigestChart(workflow.Digest{}); err == nil {
		t.Error("a chart of no directions drawn")
	}
}

// column is a run of columns of the image holding a colour: a bar or a
// legend square.
type column struct {
	left, right int
	height      int // the most pixels of the colour in one of its columns
}

// colorColumns finds the runs of columns holding pixels of the colour
// (r, g, b) below the top fifth of the image (the title and the legend),
// left to right.
func colorColumns(img image.Image, r, g, b uint8) []column {
	want := color.RGBA{R: r, G: g, B: b, A: 0xff}
	bounds := img.Bounds()
	var out []column
	in := false
	for x := bounds.Min.X; x < bounds.Max.X; x++ {
		n := 0
		for y := bounds.Min.Y + bounds.Dy()/5; y < bounds.Max.Y; y++ {
			if color.RGBAModel.Convert(img.At(x, y)) == want {
				n++
			}
		}
		switch {
		case n > 0 && !in:
			out = append(out, column{left: x, right: x, height: n})
			in = true
		case n > 0:
			out[len(out)-1].right = x
			out[len(out)-1].height = max(out[len(out)-1].height, n)
		default:
			in = false
		}
	}
	return out
}
