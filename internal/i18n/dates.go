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
// as is, and so is any other character. The People table writes three
// dates a row: the fields are read from t once, and the text is built
// in one buffer.
func (l *Localizer) format(t time.Time, pattern string) string {
	var buf [64]byte
	return string(l.appendFormat(buf[:0], t, pattern))
}

func (l *Localizer) appendFormat(b []byte, t time.Time, pattern string) []byte {
	n := l.names
	if n == nil {
		n = englishNames
	}
	year, month, day := t.Date()
	hour, minute, _ := t.Clock()
	for i := 0; i < len(pattern); {
		c := pattern[i]
		if c == '\'' {
			j := strings.IndexByte(pattern[i+1:], '\'')
			if j < 0 {
				b = append(b, pattern[i+1:]...)
				break
			}
			b = append(b, pattern[i+1:i+1+j]...)
			i += j + 2
			continue
		}
		switch c {
		case 'y', 'M', 'd', 'E', 'H', 'h', 'm', 'a':
		default:
			b = append(b, c)
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
			b = strconv.AppendInt(b, int64(year), 10)
		case 'M':
			switch {
			case w >= 4:
				b = append(b, n.months[month-1]...)
			case w == 3:
				b = append(b, n.monthsShort[month-1]...)
			default:
				b = appendPadded(b, int(month), w)
			}
		case 'd':
			b = appendPadded(b, day, w)
		case 'E':
			wd := n.weekdays[t.Weekday()]
			if w < 4 {
				wd = string([]rune(wd)[:3])
			}
			b = append(b, wd...)
		case 'H':
			b = appendPadded(b, hour, w)
		case 'h':
			h := hour % 12
			if h == 0 {
				h = 12
			}
			b = appendPadded(b, h, w)
		case 'm':
			b = appendPadded(b, minute, 2)
		case 'a':
			if hour < 12 {
				b = append(b, l.Locale.AM...)
			} else {
				b = append(b, l.Locale.PM...)
			}
		}
	}
	return b
}

// appendPadded appends n (not negative) with zeros before it to width.
func appendPadded(b []byte, n, width int) []byte {
	for d, p := 1, 10; d < width; d, p = d+1, p*10 {
		if n < p {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, int64(n), 10)
}
