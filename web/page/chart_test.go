package page

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/roster"
)

// The chart's grid labels start inside the drawing whatever the scale: at
// a million people a week's invitations reach "15,000", which a fixed
// margin cut to "000".
func TestChartLabelsFitLeftOfThePlot(t *testing.T) {
	for _, peak := range []int64{0, 7, 950, 14_000, 2_400_000} {
		weeks := make([]roster.WeekStat, 12)
		for i := range weeks {
			weeks[i] = roster.WeekStat{Start: time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i), Sent: peak, Accepted: peak / 3}
		}
		var b strings.Builder
		if err := Chart(weeks).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		labels := regexp.MustCompile(`<text class="axis" x="([0-9.]+)"[^>]*text-anchor="end">([^<]*)</text>`).FindAllStringSubmatch(b.String(), -1)
		if len(labels) != 4 {
			t.Fatalf("peak %d: %d grid labels, want 4", peak, len(labels))
		}
		for _, l := range labels {
			x, _ := strconv.ParseFloat(l[1], 64)
			// 10px type: a digit or separator is under 6 units wide.
			if start := x - 6*float64(len([]rune(l[2]))); start < 0 {
				t.Errorf("peak %d: label %q ends at %.1f and starts left of the drawing (%.1f)", peak, l[2], x, start)
			}
		}
	}
}
