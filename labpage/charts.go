package labpage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/report"
)

// The charts' geometry, in SVG units: each chart scales to the width of
// its box.
const (
	chartW    = 480
	barLabelW = 100 // the members' names
	barAreaW  = 320 // the longest bar
	barTop    = 30  // below the legend
	barRowH   = 20
	barH      = 14
	panelH    = 56 // each panel of the spread over time
	panelGap  = 26
	plotLeft  = 44
	plotRight = 40
	plotTop   = 22
)

type tick struct {
	X, Y   float64
	Label  string
	Anchor string // text-anchor: the ends of the time axis keep their labels inside the chart
}

// barChart is the stacked bars of shifts per member per kind.
type barChart struct {
	Width, Height int
	AxisY         int // the x axis' line
	AxisStart     int // the bars' left, the names' column's right
	LabelX        int // the names' right
	AxisEnd       float64
	Rows          []barRow
	Ticks         []tick
	Desc          string
}

type barRow struct {
	Label, Full string
	Y, TextY    int
	Segs        []barSeg
	Total       int
	TotalX      float64
}

type barSeg struct {
	Kind string // weekday, weekend, holiday: the CSS class
	X, W float64
	Y    int
	N    int
}

func bars(ms []report.Member) barChart {
	c := barChart{Width: chartW, AxisStart: barLabelW, LabelX: barLabelW - 6}
	most := 0
	for _, m := range ms {
		most = max(most, m.Weekday+m.Weekend+m.Holiday)
	}
	step := niceStep(float64(most), 6)
	top := math.Max(step, math.Ceil(float64(most)/step)*step)
	scale := barAreaW / top
	for i, m := range ms {
		y := barTop + i*barRowH
		row := barRow{Label: short(m.ID, 13), Full: m.ID, Y: y + (barRowH-barH)/2, TextY: y + 14,
			Total: m.Weekday + m.Weekend + m.Holiday}
		x := float64(barLabelW)
		for _, k := range []struct {
			kind string
			n    int
		}{{"weekday", m.Weekday}, {"weekend", m.Weekend}, {"holiday", m.Holiday}} {
			if k.n == 0 {
				continue
			}
			w := float64(k.n) * scale
			row.Segs = append(row.Segs, barSeg{Kind: k.kind, X: round1(x), W: round1(w), Y: row.Y, N: k.n})
			x += w
		}
		row.TotalX = round1(x + 5)
		c.Rows = append(c.Rows, row)
	}
	c.AxisY = barTop + len(ms)*barRowH + 4
	c.AxisEnd = barLabelW + barAreaW
	for v := 0.0; v <= top+step/2; v += step {
		c.Ticks = append(c.Ticks, tick{X: round1(barLabelW + v*scale), Y: float64(c.AxisY + 16), Label: strconv.Itoa(int(v))})
	}
	c.Height = c.AxisY + 44
	c.Desc = fmt.Sprintf("Horizontal stacked bars, one per member, of the shifts each served: weekday, then weekend, then holiday shifts; the longest bar is %d shifts.", most)
	return c
}

// heatMap is the weekday × member table of shift counts.
type heatMap struct {
	Rows   []heatRow
	Lo, Hi int // the fewest and the most in any cell, the ends of the scale
}

type heatRow struct {
	Member string
	Cells  [7]heatCell
	Total  int
}

type heatCell struct {
	N     int
	Level int // 0 (the fewest in any cell) to 5 (the most)
}

func heat(rows []WeekdayRow) heatMap {
	h := heatMap{}
	if len(rows) == 0 {
		return h
	}
	h.Lo, h.Hi = rows[0].Days[0], rows[0].Days[0]
	for _, r := range rows {
		for _, n := range r.Days {
			h.Lo, h.Hi = min(h.Lo, n), max(h.Hi, n)
		}
	}
	for _, r := range rows {
		hr := heatRow{Member: r.Member, Total: r.Total}
		for d, n := range r.Days {
			hr.Cells[d] = heatCell{N: n, Level: level(n, h.Lo, h.Hi)}
		}
		h.Rows = append(h.Rows, hr)
	}
	return h
}

// level places n on a scale of 0 to 5 from lo to hi.
func level(n, lo, hi int) int {
	if hi <= lo {
		return 0
	}
	return int(math.Round(5 * float64(n-lo) / float64(hi-lo)))
}

// lineChart is the cumulative spread over time: a panel for each of all
// shifts, weekday, weekend and holiday shifts, one above the other over
// one time axis, each a step line of the largest spread in each run of
// shifts.
type lineChart struct {
	Width, Height int
	Left, Right   float64 // the plot area's sides
	Axis          float64 // the time axis' line
	TickEnd       float64 // the ends of its ticks
	Mid, YMid     float64 // the middles of the plot area, for the axes' titles
	Panels        []panel
	XTicks        []tick
	Total         int // shifts
	Runs          int // steps drawn
	RunSize       int // shifts a step
	Final         SpreadPoint
	Desc          string
}

type panel struct {
	Name, Kind string  // Kind is the CSS class
	Top, Base  float64 // the panel's top and its line of 0
	Points     string  // the step line
	Area       string  // the area under it
	YTicks     []tick
	Label      string
	LabelY     float64
}

func line(pts []SpreadPoint, loc *time.Location) lineChart {
	c := lineChart{Width: chartW, Left: plotLeft, Right: chartW - plotRight, Total: len(pts)}
	c.Mid = (c.Left + c.Right) / 2
	c.Axis = plotTop + 4*panelH + 3*panelGap
	c.TickEnd = c.Axis + 5
	c.Height = int(c.Axis) + 50
	c.YMid = (plotTop + c.Axis) / 2
	if len(pts) == 0 {
		return c
	}
	c.Final = pts[len(pts)-1]
	runs := Runs(pts, SpreadRuns)
	c.Runs, c.RunSize = len(runs), runs[0].Last-runs[0].First+1
	t0, t1 := pts[0].At, pts[len(pts)-1].At
	span := t1.Sub(t0)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return c.Left
		}
		return round1(c.Left + (c.Right-c.Left)*float64(t.Sub(t0))/float64(span))
	}
	// Each step runs from its first shift to the next step's first, the
	// last to the end of the axis.
	ends := make([]float64, len(runs))
	for i := range runs {
		if i+1 < len(runs) {
			ends[i] = x(runs[i+1].From)
		} else {
			ends[i] = c.Right
		}
	}
	var peaks [4]int
	for i, s := range []struct {
		name, kind string
		of         func(Run) int
		final      int
	}{
		{"all shifts", "total", func(r Run) int { return r.Shifts }, c.Final.Shifts},
		{"weekday", "weekday", func(r Run) int { return r.Weekday }, c.Final.Weekday},
		{"weekend", "weekend", func(r Run) int { return r.Weekend }, c.Final.Weekend},
		{"holiday", "holiday", func(r Run) int { return r.Holiday }, c.Final.Holiday},
	} {
		p := panel{Name: s.name, Kind: s.kind, Top: float64(plotTop + i*(panelH+panelGap))}
		p.Base = p.Top + panelH
		peak := 0
		for _, r := range runs {
			peak = max(peak, s.of(r))
		}
		step := niceStep(float64(max(peak, 1)), 2)
		top := math.Max(step, math.Ceil(float64(peak)/step)*step)
		y := func(v int) float64 { return round1(p.Base - panelH*float64(v)/top) }
		var b strings.Builder
		for j, r := range runs {
			if j > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s,%s %s,%s", fnum(x(r.From)), fnum(y(s.of(r))), fnum(ends[j]), fnum(y(s.of(r))))
		}
		p.Points = b.String()
		p.Area = fmt.Sprintf("%s %s,%s %s,%s", p.Points, fnum(c.Right), fnum(p.Base), fnum(x(runs[0].From)), fnum(p.Base))
		for v := 0.0; v <= top+step/2; v += step {
			p.YTicks = append(p.YTicks, tick{X: c.Left - 6, Y: y(int(v)), Label: strconv.Itoa(int(v))})
		}
		peaks[i] = peak
		p.Label = fmt.Sprintf("%s: at most %d, at the end %d", s.name, peak, s.final)
		p.LabelY = p.Top - 6
		c.Panels = append(c.Panels, p)
	}
	const xTicks = 5
	layout := "2 Jan 2006"
	if span > 90*24*time.Hour {
		layout = "Jan 2006"
	}
	for i := range xTicks {
		t := t0.Add(time.Duration(float64(span) * float64(i) / (xTicks - 1)))
		anchor := "middle"
		switch {
		case span <= 0:
		case i == 0:
			anchor = "start"
		case i == xTicks-1:
			anchor = "end"
		}
		c.XTicks = append(c.XTicks, tick{X: x(t), Y: c.Axis + 18, Label: t.In(loc).Format(layout), Anchor: anchor})
		if span <= 0 {
			break
		}
	}
	c.Desc = fmt.Sprintf("Four step charts, one above the other, of the spread (most minus fewest shifts served so far, over the members) "+
		"from %s to %s, for all shifts, weekday, weekend and holiday shifts, each step the largest spread in a run of %d shifts. "+
		"At most %d in all, %d weekday, %d weekend and %d holiday; at the end %d in all, %d weekday, %d weekend and %d holiday.",
		t0.In(loc).Format("2 Jan 2006"), t1.In(loc).Format("2 Jan 2006"), c.RunSize, peaks[0], peaks[1], peaks[2], peaks[3],
		c.Final.Shifts, c.Final.Weekday, c.Final.Weekend, c.Final.Holiday)
	return c
}

// niceStep is a step of 1, 2 or 5 times a power of ten that cuts 0..hi
// into at most n steps (1 for hi <= 0).
func niceStep(hi float64, n int) float64 {
	if hi <= 0 || n < 1 {
		return 1
	}
	for p := 1.0; ; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if hi/(m*p) <= float64(n) {
				return m * p
			}
		}
		if math.IsInf(p, 1) {
			return hi
		}
	}
}

// short cuts s to n characters, with an ellipsis.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func fnum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
