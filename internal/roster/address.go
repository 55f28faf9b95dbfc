package roster

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Address is one parsed email address with the name given with it.
type Address struct {
	Email string // as typed, domain lower-cased
	Name  string
}

// BadAddress is a piece of input that is not an address, and why
// (a message key).
type BadAddress struct {
	Input  string
	Reason string
}

// MaxAddresses is the most addresses one "Add users" submit takes.
const MaxAddresses = 500

// ParseAddressList reads addresses separated by commas, semicolons, spaces
// or new lines, in plain or "Name <addr>" form (quoted names may hold
// commas). Duplicates (case-insensitive) are kept once. Every piece of
// input ends up either in good or in bad, so nothing is silently dropped.
func ParseAddressList(s string) (good []Address, bad []BadAddress) {
	seen := map[string]bool{}
	for _, chunk := range splitAddressList(s) {
		a, reason := parseOne(chunk)
		if reason != "" {
			bad = append(bad, BadAddress{Input: chunk, Reason: reason})
			continue
		}
		key := strings.ToLower(a.Email)
		if seen[key] {
			continue
		}
		seen[key] = true
		good = append(good, a)
	}
	return good, bad
}

// splitAddressList cuts the input at separators outside quotes and angle
// brackets; inside a plain (bracket-less) chunk, spaces separate too.
func splitAddressList(s string) []string {
	var chunks []string
	var cur strings.Builder
	inQuote, inAngle := false, false
	flush := func() {
		c := strings.TrimSpace(cur.String())
		cur.Reset()
		if c == "" {
			return
		}
		if strings.ContainsAny(c, "<\"") {
			chunks = append(chunks, c)
			return
		}
		chunks = append(chunks, strings.Fields(c)...)
	}
	for _, r := range s {
		switch {
		case r == '"' && !inAngle:
			inQuote = !inQuote
		case r == '<' && !inQuote:
			inAngle = true
		case r == '>' && !inQuote:
			inAngle = false
			cur.WriteRune(r)
			// "Name <a@b> next@c": what follows the bracket is a new chunk.
			flush()
			continue
		case (r == ',' || r == ';' || r == '\n' || r == '\r' || r == '\t') && !inQuote && !inAngle:
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	return chunks
}

func parseOne(chunk string) (Address, string) {
	if utf8.RuneCountInString(chunk) > 320 {
		return Address{}, "address.too_long"
	}
	var a Address
	if strings.ContainsAny(chunk, "<") {
		p, err := mail.ParseAddress(chunk)
		if err != nil {
			return a, "address.malformed"
		}
		a.Name, a.Email = strings.TrimSpace(p.Name), p.Address
	} else {
		a.Email = strings.Trim(chunk, "\"'()[]")
	}
	local, domain, ok := strings.Cut(a.Email, "@")
	switch {
	case !ok:
		return a, "address.no_at"
	case local == "":
		return a, "address.no_local"
	case domain == "":
		return a, "address.no_domain"
	case strings.Contains(domain, "@"):
		return a, "address.two_at"
	}
	domain = strings.TrimSuffix(strings.ToLower(domain), ".") // a trailing dot is the DNS root
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.Contains(domain, "..") {
		return a, "address.bad_domain"
	}
	for _, r := range local {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return a, "address.malformed"
		}
	}
	if _, err := mail.ParseAddress(local + "@" + ascii); err != nil {
		return a, "address.malformed"
	}
	a.Email = local + "@" + domain
	if len(a.Email) > 254 {
		return a, "address.too_long"
	}
	if utf8.RuneCountInString(a.Name) > 200 {
		a.Name = string([]rune(a.Name)[:200])
	}
	return a, ""
}

// EmailDomain returns the lower-cased domain of an address.
func EmailDomain(email string) string {
	_, d, _ := strings.Cut(email, "@")
	return strings.ToLower(d)
}
