package server

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"
)

// csvTexts are texts a name, an address, a group path or a role may hold:
// formulas, separators, quotes, line breaks, leading spaces (ASCII and
// not), encoding/csv's `\.` and text that is not UTF-8.
var csvTexts = []string{"", "Ana", "=SUM(A1)", "+1", "-x", "@me", "\tTab", "\rCR", "a,b", `say "hi"`, "two\nlines", "cr\rin",
	" lead", "\u00a0nbsp", "\u2003em", `\.`, `\`, ".", "Émile", "ok; fine", "'quoted", "\xff\xfe", "x\"", "Sales > EMEA", "=a,\"b\"\n"}

// TestCSVFieldMatchesEncodingCSV: csvField, csvCell and csvList write what
// encoding/csv writes for the cells the export made before (csvCell of
// each text, csvCell of the texts joined with "; "), byte for byte.
func TestCSVFieldMatchesEncodingCSV(t *testing.T) {
	t.Parallel()
	want := func(record []string) string {
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		cw.Write(record)
		cw.Flush()
		return buf.String()
	}
	for _, s := range csvTexts {
		if got, w := string(csvField(nil, csvCell(s)))+"\n", want([]string{csvCell(s)}); got != w {
			t.Errorf("csvField(csvCell(%q)) = %q, encoding/csv %q", s, got, w)
		}
		if got, w := string(csvField(nil, s))+"\n", want([]string{s}); got != w {
			t.Errorf("csvField(%q) = %q, encoding/csv %q", s, got, w)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		texts := make([]*csvText, rng.IntN(4))
		raws := make([]string, len(texts))
		for i := range texts {
			raws[i] = csvTexts[rng.IntN(len(csvTexts))]
			if rng.IntN(3) == 0 {
				raws[i] += csvTexts[rng.IntN(len(csvTexts))]
			}
			texts[i] = newCSVText(raws[i])
		}
		other := csvTexts[rng.IntN(len(csvTexts))]
		got := string(csvField(append(csvList(nil, texts), ','), other)) + "\n"
		if w := want([]string{csvCell(strings.Join(raws, "; ")), other}); got != w {
			t.Fatalf("csvList(%q) = %q, encoding/csv %q", raws, got, w)
		}
	}
}
