package portal

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"time"

	"edustat/store"
)

// completeness is, per day, how many expected units had reported by the
// end of it.
type completeness struct {
	Days     []time.Time
	Counts   []int
	Expected int
}

func (s *Server) completeness(r *http.Request, rd *store.Round) (*completeness, error) {
	states, err := s.db.Units(r.Context(), rd.Code)
	if err != nil {
		return nil, err
	}
	versions, err := s.db.Versions(r.Context(), rd.Code, "")
	if err != nil {
		return nil, err
	}
	expected := map[string]bool{}
	for _, st := range states {
		expected[st.Unit] = true
	}
	first := map[string]time.Time{} // each unit's first accepted file
	for _, v := range versions {
		if !v.Accepted || !expected[v.Unit] {
			continue
		}
		if t, ok := first[v.Unit]; !ok || v.Source.At.Before(t) {
			first[v.Unit] = v.Source.At
		}
	}
	c := &completeness{Expected: len(expected)}
	if len(first) == 0 {
		return c, nil
	}
	days := map[time.Time]int{}
	for _, t := range first {
		y, m, d := t.In(china).Date()
		days[time.Date(y, m, d, 0, 0, 0, 0, china)]++
	}
	keys := make([]time.Time, 0, len(days))
	for d := range days {
		keys = append(keys, d)
	}
	slices.SortFunc(keys, func(a, b time.Time) int { return a.Compare(b) })
	// every day from the first to the last (or to today), so the line shows
	// the days nothing came too
	end := keys[len(keys)-1]
	if y, m, d := s.now().In(china).Date(); time.Date(y, m, d, 0, 0, 0, 0, china).After(end) {
		end = time.Date(y, m, d, 0, 0, 0, 0, china)
	}
	if end.Sub(keys[0]) > 400*24*time.Hour {
		end = keys[len(keys)-1]
	}
	n := 0
	for d := keys[0]; !d.After(end); d = d.AddDate(0, 0, 1) {
		n += days[d]
		c.Days, c.Counts = append(c.Days, d), append(c.Counts, n)
	}
	return c, nil
}

// completenessChart draws the share of units reported over time as SVG.
// Everything written into it is a number or a date the server formats.
func (s *Server) completenessChart(w http.ResponseWriter, r *http.Request) {
	rd := roundOf(r)
	c, err := s.completeness(r, rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(drawCompleteness(c, rd.Deadline))
}

func drawCompleteness(c *completeness, deadline time.Time) []byte {
	const (
		W, H                     = 720, 260
		left, right, top, bottom = 48, 16, 20, 36
	)
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="WenQuanYi Micro Hei, Microsoft YaHei, sans-serif" font-size="12">`, W, H, W, H)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, W, H)
	for i := 0; i <= 4; i++ {
		y := float64(top) + ph*float64(4-i)/4
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e4e8ee"/>`, left, y, W-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#5f6b7a">%d%%</text>`, left-6, y+4, i*25)
	}
	if len(c.Days) == 0 || c.Expected == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#5f6b7a">还没有单位报送</text></svg>`, W/2, H/2)
		return b.Bytes()
	}
	n := len(c.Days)
	x := func(i int) float64 {
		if n == 1 {
			return float64(left) + pw/2
		}
		return float64(left) + pw*float64(i)/float64(n-1)
	}
	y := func(v int) float64 { return float64(top) + ph*(1-float64(v)/float64(c.Expected)) }
	b.WriteString(`<polyline fill="none" stroke="#1d4e89" stroke-width="2.5" points="`)
	for i, v := range c.Counts {
		fmt.Fprintf(&b, "%.1f,%.1f ", x(i), y(v))
	}
	b.WriteString(`"/>`)
	for i, v := range c.Counts {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#1d4e89"/>`, x(i), y(v))
	}
	step := max(1, n/8)
	for i := 0; i < n; i += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#5f6b7a">%s</text>`, x(i), H-bottom+18, c.Days[i].Format("01-02"))
	}
	last := c.Counts[n-1]
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#1d4e89" font-weight="bold">%d / %d（%.1f%%）</text>`,
		x(n-1), y(last)-8, last, c.Expected, 100*float64(last)/float64(c.Expected))
	if !deadline.IsZero() {
		dl := time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 0, 0, 0, 0, china)
		for i, d := range c.Days {
			if d.Equal(dl) {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#b42318" stroke-dasharray="4 3"/><text x="%.1f" y="%d" fill="#b42318">截止</text>`,
					x(i), top, x(i), H-bottom, x(i)+4, top+12)
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}
