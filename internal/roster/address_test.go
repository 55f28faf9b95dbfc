package roster

import (
	"slices"
	"testing"
)

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		in   string
		good []string
		bad  []string // reasons
	}{
		{"a@x.com, b@y.org", []string{"a@x.com", "b@y.org"}, nil},
		{"a@x.com b@y.org\nc@z.net;d@w.io\te@v.co", []string{"a@x.com", "b@y.org", "c@z.net", "d@w.io", "e@v.co"}, nil},
		{"Jane Doe <jane@x.com>, \"Doe, John\" <john@x.com>", []string{"jane@x.com", "john@x.com"}, nil},
		{"Jane <jane@x.com> bob@y.com", []string{"jane@x.com", "bob@y.com"}, nil},
		{"A@X.COM, a@x.com", []string{"A@x.com"}, nil},
		{"ok@x.com, nope, @x.com, a@, a@b, a@@b.com, a@.b.com", []string{"ok@x.com"},
			[]string{"address.no_at", "address.no_local", "address.no_domain", "address.bad_domain", "address.two_at", "address.bad_domain"}},
		{"zoë@müller.de", []string{"zoë@müller.de"}, nil},
		{"user@example.com.", []string{"user@example.com"}, nil},
		{"<broken@x.com", nil, []string{"address.malformed"}},
		{"   ,,, \n ", nil, nil},
	}
	for _, tt := range tests {
		good, bad := ParseAddressList(tt.in)
		var g, b []string
		for _, a := range good {
			g = append(g, a.Email)
		}
		for _, x := range bad {
			b = append(b, x.Reason)
		}
		if !slices.Equal(g, tt.good) || !slices.Equal(b, tt.bad) {
			t.Errorf("ParseAddressList(%q) = %v / %v, want %v / %v", tt.in, g, b, tt.good, tt.bad)
		}
	}
	good, _ := ParseAddressList(`"Doe, Jane" <jane@x.com>`)
	if len(good) != 1 || good[0].Name != "Doe, Jane" {
		t.Errorf("quoted name: %+v", good)
	}
}

func FuzzParseAddressList(f *testing.F) {
	for _, s := range []string{"a@x.com, b@y.org", `"Doe, J" <j@x.com>`, "zoë@müller.de", "<<>>,;\"", "a@b@c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		good, bad := ParseAddressList(s)
		for _, a := range good {
			if a.Email == "" || len(a.Email) > 254 {
				t.Fatalf("bad good address %q", a.Email)
			}
		}
		for _, b := range bad {
			if b.Reason == "" {
				t.Fatalf("bad address without reason: %q", b.Input)
			}
		}
	})
}

func TestTokens(t *testing.T) {
	k := TokenKey("0123456789abcdef0123456789abcdef")
	n := NewNonce()
	tok := k.Token(n)
	if !ValidTokenShape(tok) || tok != k.Token(n) || tok == k.Token(NewNonce()) || tok == TokenKey("other").Token(n) {
		t.Errorf("token %q not stable, unique and keyed", tok)
	}
	if ValidTokenShape("short") || ValidTokenShape(tok[:42]+"!") {
		t.Errorf("junk passed as a token")
	}
}
