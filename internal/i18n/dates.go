package i18n

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// dateNames are the month and weekday names of one language, as dates
// are written in it (the format forms of CLDR: "mars", "März", "marzo").
type dateNames struct {
	months      [12]string
	monthsShort [12]string
	weekdays    [7]string // Sunday first, as time.Weekday
}

var englishNames = &dateNames{
	months:      [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	monthsShort: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	weekdays:    [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
}

// dateNamesByLanguage are the names of every language but English, by
// base language (CLDR 44, format context).
var dateNamesByLanguage = map[string]*dateNames{
	"fr": {
		months:      [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		monthsShort: [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		weekdays:    [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
	},
	"es": {
		months:      [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		monthsShort: [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
		weekdays:    [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
	},
	"it": {
		months:      [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		monthsShort: [12]string{"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"},
		weekdays:    [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
	},
	"de": {
		months:      [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		monthsShort: [12]string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
		weekdays:    [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
	},
}

func namesOf(tag language.Tag) *dateNames {
	base, _ := tag.Base()
	if n, ok := dateNamesByLanguage[base.String()]; ok {
		return n
	}
	return englishNames
}

// format writes t by a pattern of CLDR-like fields: y (year), M and MM
// (month number), MMM and MMMM (month name, short and full), d and dd
// (day), EEE and EEEE (weekday, short and full), H and HH (hour 0-23), h
// (hour 1-12), mm (minutes), a (AM/PM); text in single quotes is copied
// as is, and so is any other character.
func (l *Localizer) format(t time.Time, pattern string) string {
	n := l.names
	if n == nil {
		n = englishNames
	}
	var b strings.Builder
	for i := 0; i < len(pattern); {
		c := pattern[i]
		if c == '\'' {
			j := strings.IndexByte(pattern[i+1:], '\'')
			if j < 0 {
				b.WriteString(pattern[i+1:])
				break
			}
			b.WriteString(pattern[i+1 : i+1+j])
			i += j + 2
			continue
		}
		if !strings.ContainsRune("yMdEHhma", rune(c)) {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(pattern) && pattern[j] == c {
			j++
		}
		w := j - i
		i = j
		switch c {
		case 'y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'M':
			switch {
			case w >= 4:
				b.WriteString(n.months[t.Month()-1])
			case w == 3:
				b.WriteString(n.monthsShort[t.Month()-1])
			default:
				b.WriteString(pad(int(t.Month()), w))
			}
		case 'd':
			b.WriteString(pad(t.Day(), w))
		case 'E':
			wd := n.weekdays[t.Weekday()]
			if w < 4 {
				wd = string([]rune(wd)[:3])
			}
			b.WriteString(wd)
		case 'H':
			b.WriteString(pad(t.Hour(), w))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(h, w))
		case 'm':
			b.WriteString(pad(t.Minute(), 2))
		case 'a':
			if t.Hour() < 12 {
				b.WriteString(l.Locale.AM)
			} else {
				b.WriteString(l.Locale.PM)
			}
		}
	}
	return b.String()
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
