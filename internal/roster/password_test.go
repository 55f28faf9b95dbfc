package roster

import (
	"strings"
	"testing"
)

func TestPasswordProblem(t *testing.T) {
	if n := CommonPasswordCount(); n < 3000 {
		t.Fatalf("only %d common passwords embedded", n)
	}
	tests := []struct{ password, want string }{
		{"", PasswordTooShort},
		{"short", PasswordTooShort},
		{"123456789", PasswordTooShort},
		{"password123", PasswordCommon},
		{"Password123", PasswordCommon}, // case-insensitive
		{"PASSWORD1234", PasswordCommon},
		{" qwertyuiop ", PasswordCommon}, // surrounding spaces ignored
		{"1234567890", PasswordCommon},
		{"iloveyou2025", PasswordCommon},
		{"welcome2026", PasswordCommon},
		{"1q2w3e4r5t", PasswordCommon},
		{"aaaaaaaaaaaa", PasswordCommon}, // too few different characters
		{"abababababab", PasswordCommon},
		{"abcabcabcabc", PasswordCommon},
		{"roster-demo-admin", ""},
		{"correct horse battery staple", ""},
		{"tps-reports-2026", ""},
		{"Zoë über café 42", ""},
		{strings.Repeat("ab1é", 1024/5) + "xyz", ""},                // 1,023 bytes
		{strings.Repeat("ab1é", 1024/5) + "xyzw", ""},               // 1,024 bytes
		{strings.Repeat("ab1é", 1024/5) + "xyzwv", PasswordTooLong}, // 1,025 bytes
		{strings.Repeat("é", 600), PasswordTooLong},                 // 600 characters, 1,200 bytes
	}
	for _, tt := range tests {
		if got := PasswordProblem(tt.password); got != tt.want {
			t.Errorf("%.40q (%d bytes): %q, want %q", tt.password, len(tt.password), got, tt.want)
		}
	}
}

// The list is lower-case, one a line, without duplicates or blank lines,
// so that the case-insensitive lookup finds every entry.
func TestCommonPasswordListIsClean(t *testing.T) {
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(commonPasswordsText, "\n"), "\n") {
		switch {
		case line == "" || strings.TrimSpace(line) != line:
			t.Errorf("line %d: %q is blank or padded", i+1, line)
		case strings.ToLower(line) != line:
			t.Errorf("line %d: %q is not lower-case", i+1, line)
		case seen[line]:
			t.Errorf("line %d: %q twice", i+1, line)
		}
		seen[line] = true
	}
}
