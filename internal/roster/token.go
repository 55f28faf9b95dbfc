package roster

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// TokenKey derives the tokens of invitation and confirmation links. A link
// carries HMAC-SHA256(key, nonce) (32 bytes, base64url); the database keeps
// only the nonce and the token's SHA-256. So the database alone cannot
// rebuild a link (the key lives in TOKEN_KEY or the secrets table), while
// the server can show a link again ("copy link") and a mail job can write
// it without the token ever being stored or queued.
type TokenKey []byte

// NewNonce returns 16 random bytes naming one issue of a link.
func NewNonce() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// Token is the link token for nonce.
func (k TokenKey) Token(nonce []byte) string {
	m := hmac.New(sha256.New, k)
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TokenHash is what the database stores and looks a token up by.
func TokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// ValidTokenShape reports whether s could be a token at all (43 base64url
// characters), so junk is refused before any lookup.
func ValidTokenShape(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// ConfirmCode is the 6-digit code that confirms an address, derived like
// a token so it is never stored.
func (k TokenKey) ConfirmCode(nonce []byte) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("code:"))
	m.Write(nonce)
	sum := m.Sum(nil)
	n := (uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])) % 1000000
	return fmt.Sprintf("%06d", n)
}
