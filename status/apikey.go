package status

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Scope is what an API key may do. Each of read, write and admin includes the ones before
// it; signal stands apart.
type Scope string

// Scopes, weakest first.
const (
	ScopeRead  Scope = "read"  // read everything, including staff-only data
	ScopeWrite Scope = "write" // post incidents, updates and maintenance
	ScopeAdmin Scope = "admin" // also manage components and keys
	// ScopeSignal only sends monitoring signals (Alertmanager, the signal API): the key sits
	// in monitoring configuration files, so it can neither read staff data nor post
	// incidents. write and admin keys may send signals too.
	ScopeSignal Scope = "signal"
)

// Scopes lists every valid scope: the nested ones weakest first, then signal.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin, ScopeSignal}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(Scopes, s) }

// Allows reports whether a key with scope s may do what needs scope need.
func (s Scope) Allows(need Scope) bool {
	switch {
	case !s.Valid():
		return false
	case need == ScopeSignal:
		return s == ScopeSignal || s == ScopeWrite || s == ScopeAdmin
	case s == ScopeSignal:
		return false
	}
	return slices.Index(Scopes, s) >= slices.Index(Scopes, need)
}

// APIKey is a staff credential. Only a hash of the secret is ever stored.
type APIKey struct {
	ID         string
	Name       string
	Scope      Scope
	Hash       string // hex SHA-256 of the whole key
	Prefix     string // the first characters, shown in lists to tell keys apart
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// keyPrefix marks Candor keys so secret scanners and people recognise them.
const keyPrefix = "cnd_"

// NewAPIKeySecret returns a fresh random key. 160 random bits make brute force hopeless, so a
// fast hash is enough to store it (unlike passwords, which need a slow one).
func NewAPIKeySecret() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	return keyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// HashAPIKey returns the stored form of a key.
func HashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newID returns a random id of n lower-case base32 characters, like Statuspage's ids.
func newID(n int) string {
	b := make([]byte, (n*5+7)/8)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return s[:n]
}

// NewID returns a fresh random id for incidents, updates and other records.
func NewID() string { return newID(12) }
