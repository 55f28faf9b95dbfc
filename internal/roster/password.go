package roster

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// Bounds of a new password: long enough to resist guessing, and a cap so
// that nobody makes the server hash a megabyte (passwords are reduced with
// SHA-256 before bcrypt, so every byte up to the cap counts).
const (
	MinPasswordLength = 10   // characters
	MaxPasswordBytes  = 1024 // bytes of UTF-8
)

// Problems of a new password (PasswordProblem).
const (
	PasswordTooShort = "short"
	PasswordTooLong  = "long"
	PasswordCommon   = "common"
)

// commonPasswordsText is a list of passwords and patterns attackers try
// first (the commonest passwords, keyboard walks, digit runs, words with
// the usual suffixes and years), lower-cased, one a line.
//
//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 20000)
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m[line] = struct{}{}
		}
	}
	return m
})

// CommonPasswordCount is the size of the embedded list (for tests and docs).
func CommonPasswordCount() int { return len(commonPasswords()) }

// IsCommonPassword reports whether p is on the list of common passwords
// (compared case-insensitively, surrounding spaces ignored) or is made of
// so few different characters that it is as easy to guess.
func IsCommonPassword(p string) bool {
	k := strings.ToLower(strings.TrimSpace(p))
	if _, ok := commonPasswords()[k]; ok {
		return true
	}
	seen := map[rune]bool{}
	for _, r := range k {
		seen[r] = true
	}
	return len(seen) < 4
}

// PasswordProblem returns why a new password is refused, or "": shorter
// than MinPasswordLength characters, longer than MaxPasswordBytes bytes,
// or common.
func PasswordProblem(p string) string {
	switch {
	case utf8.RuneCountInString(p) < MinPasswordLength:
		return PasswordTooShort
	case len(p) > MaxPasswordBytes:
		return PasswordTooLong
	case IsCommonPassword(p):
		return PasswordCommon
	}
	return ""
}
