package status

import (
	"slices"
	"time"
)

// Platform is the kind of app a device token belongs to.
type Platform string

// Platforms.
const (
	Android Platform = "android"
	IOS     Platform = "ios"
	Web     Platform = "web"
)

// Platforms lists every valid platform.
var Platforms = []Platform{Android, IOS, Web}

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool { return slices.Contains(Platforms, p) }

// Locales a device may ask for; pushes are written in its locale.
var Locales = []string{"ko", "en"}

// AllComponents subscribes a device to every component.
const AllComponents = "*"

// Device is an app installation that wants pushes. Its token is personal data: never log it
// in full.
type Device struct {
	Token      string
	Platform   Platform
	Locale     string
	Components []string // component ids, or ["*"] for everything
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// All reports whether the device wants every component.
func (d *Device) All() bool { return slices.Contains(d.Components, AllComponents) }

// MaxDeviceComponents bounds a subscription list (FCM allows 2000 topics per app instance).
const MaxDeviceComponents = 200

// validToken accepts what FCM registration tokens look like: 20–1024 characters of
// letters, digits and "-_:." (real ones are about 160; the cap keeps them indexable in
// PostgreSQL) — anything else is certainly not a token.
func validToken(t string) bool {
	if len(t) < 20 || len(t) > 1024 {
		return false
	}
	for _, r := range t {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == ':', r == '.':
		default:
			return false
		}
	}
	return true
}
