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
	chartW     = 640
	barLabelW  = 120 // the members' names
	barAreaW   = 460 // the longest bar
	barTop     = 30  // below the legend
	barRowH    = 20
	barH       = 14
	lineH      = 320
	plotLeft   = 52
	plotRight  = 16
	plotTop    = 12
	plotBottom = 56
)

type tick struct {
	X, Y  float64
	Label string
}

// barChart is the stacked bars of shifts per member per kind.
type barChart struct {
	Width, Height int
	AxisY         int // the x axis' line
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
	c := barChart{Width: chartW}
	most := 0
	for _, m := range ms {
		most = max(most, m.Weekday+m.Weekend+m.Holiday)
	}
	step := niceStep(float64(most), 6)
	top := math.Max(step, math.Ceil(float64(most)/step)*step)
	scale := barAreaW / top
	for i, m := range ms {
		y := barTop + i*barRowH
		row := barRow{Label: short(m.ID, 16), Full: m.ID, Y: y + (barRowH-barH)/2, TextY: y + 14,
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

// lineChart is the cumulative spread over time.
type lineChart struct {
	Width, Height         int
	Left, Right, Top, Bot float64 // the plot area
	TickEnd               float64 // the x axis' ticks' end
	Mid, Mid2             float64 // the middles of the y and the x axes, for their titles
	Series                []lineSeries
	XTicks, YTicks        []tick
	Shown, Total          int // points drawn, of shifts
	Final                 SpreadPoint
	Desc                  string
}

type lineSeries struct {
	Name, Kind        string // Kind is the CSS class
	Points            string // SVG polyline points
	KeyX, KeyX2, KeyT int    // its place in the key
}

func line(pts []SpreadPoint, loc *time.Location) lineChart {
	c := lineChart{Width: chartW, Height: lineH, Left: plotLeft, Right: chartW - plotRight, Top: plotTop, Bot: lineH - plotBottom, Total: len(pts)}
	c.TickEnd, c.Mid, c.Mid2 = c.Bot+5, (c.Top+c.Bot)/2, (c.Left+c.Right)/2
	if len(pts) == 0 {
		return c
	}
	c.Final = pts[len(pts)-1]
	drawn := Downsample(pts, SpreadPoints)
	c.Shown = len(drawn)
	most := 1
	for _, p := range drawn {
		most = max(most, p.Shifts, p.Weekday, p.Weekend, p.Holiday)
	}
	step := max(1, niceStep(float64(most), 5))
	top := math.Ceil(float64(most)/step) * step
	t0, t1 := pts[0].At, pts[len(pts)-1].At
	span := t1.Sub(t0)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return (c.Left + c.Right) / 2
		}
		return round1(c.Left + (c.Right-c.Left)*float64(t.Sub(t0))/float64(span))
	}
	y := func(v int) float64 { return round1(c.Bot - (c.Bot-c.Top)*float64(v)/top) }
	for _, s := range []struct {
		name, kind string
		of         func(SpreadPoint) int
	}{
		{"all shifts", "total", func(p SpreadPoint) int { return p.Shifts }},
		{"weekday", "weekday", func(p SpreadPoint) int { return p.Weekday }},
		{"weekend", "weekend", func(p SpreadPoint) int { return p.Weekend }},
		{"holiday", "holiday", func(p SpreadPoint) int { return p.Holiday }},
	} {
		var b strings.Builder
		for i, p := range drawn {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s,%s", fnum(x(p.At)), fnum(y(s.of(p))))
		}
		k := 105 * len(c.Series)
		c.Series = append(c.Series, lineSeries{Name: s.name, Kind: s.kind, Points: b.String(), KeyX: k + 2, KeyX2: k + 30, KeyT: k + 36})
	}
	for v := 0.0; v <= top+step/2; v += step {
		c.YTicks = append(c.YTicks, tick{X: c.Left - 6, Y: y(int(v)), Label: strconv.Itoa(int(v))})
	}
	const xTicks = 5
	for i := range xTicks {
		t := t0.Add(time.Duration(float64(span) * float64(i) / (xTicks - 1)))
		c.XTicks = append(c.XTicks, tick{X: x(t), Y: c.Bot + 18, Label: t.In(loc).Format("2 Jan 2006")})
		if span <= 0 {
			break
		}
	}
	c.Desc = fmt.Sprintf("Lines of the spread (most minus fewest shifts over the members) after each shift, from %s to %s: "+
		"at the end %d for all shifts, %d weekday, %d weekend and %d holiday.",
		t0.In(loc).Format("2 Jan 2006"), t1.In(loc).Format("2 Jan 2006"), c.Final.Shifts, c.Final.Weekday, c.Final.Weekend, c.Final.Holiday)
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
