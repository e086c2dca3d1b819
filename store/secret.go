package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// newSecret returns a random token (32 bytes, URL-safe base64) and the hash
// under which it is stored. Tokens are long and random, so one round of
// SHA-256 is enough: there is nothing to guess.
func newSecret() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashSecret(token)
}

// hashSecret is the stored form of a token.
func hashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
