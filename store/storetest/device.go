package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newDevice(token, locale string, components ...string) *status.Device {
	return &status.Device{Token: token, Platform: status.Android, Locale: locale, Components: components,
		CreatedAt: base, UpdatedAt: base.Add(time.Second)}
}

func putDevices(t *testing.T, s status.Store, ds ...*status.Device) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, d := range ds {
			if err := tx.PutDevice(d); err != nil {
				return err
			}
		}
		return nil
	})
}

func countDevices(t *testing.T, s status.Store) int {
	t.Helper()
	var n int
	read(t, s, func(tx status.Tx) error {
		var err error
		n, err = tx.CountDevices()
		return err
	})
	return n
}

func deviceTokens(t *testing.T, s status.Store, components []string, locale string, limit int) []string {
	t.Helper()
	var got []string
	read(t, s, func(tx status.Tx) error {
		var err error
		got, err = tx.DeviceTokens(components, locale, limit)
		return err
	})
	return got
}

func testDeviceRoundTrip(t *testing.T, s status.Store) {
	if n := countDevices(t, s); n != 0 {
		t.Errorf("CountDevices of an empty store = %d, want 0", n)
	}
	// Components in no sorted order: they come back as stored.
	full := &status.Device{Token: "fYx3Qz:APA91bH-k_9.Zr", Platform: status.IOS, Locale: "ko",
		Components: []string{"messenger", "api", "login"}, CreatedAt: base, UpdatedAt: base.Add(time.Minute)}
	requireAllSet(t, full)
	other := newDevice("other-token-000000001", "ko", "messenger")
	putDevices(t, s, full, other)
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Device(full.Token)
		check(t, "Device round trip", got, full)
		if err != nil {
			return err
		}
		_, err = tx.Device("unknown-token-0000001")
		wantCode(t, "Device unknown", err, status.ENOTFOUND)
		return nil
	})

	// PutDevice on a known token replaces everything but the creation time; the
	// subscription list is replaced, not merged.
	repl := &status.Device{Token: full.Token, Platform: status.Android, Locale: "en",
		Components: []string{"*"}, CreatedAt: base.Add(time.Hour), UpdatedAt: base.Add(2 * time.Hour)}
	putDevices(t, s, repl)
	want := *repl
	want.CreatedAt = full.CreatedAt
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Device(full.Token)
		check(t, "Device after replace", got, &want)
		return err
	})
	if got := deviceTokens(t, s, []string{"messenger", "api", "login"}, "ko", 10); !slices.Equal(got, []string{other.Token}) {
		t.Errorf("DeviceTokens(ko) after the device moved to en = %q, want only %q", got, other.Token)
	}
	if got := deviceTokens(t, s, []string{"status"}, "en", 10); !slices.Equal(got, []string{full.Token}) {
		t.Errorf("DeviceTokens(en) after the device subscribed to everything = %q, want %q", got, full.Token)
	}
	if n := countDevices(t, s); n != 2 {
		t.Errorf("CountDevices after a replace = %d, want 2", n)
	}

	// A device may be subscribed to nothing: it is kept and reaches no audience.
	none := want
	none.Components, none.UpdatedAt = nil, base.Add(3*time.Hour)
	putDevices(t, s, &none)
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Device(full.Token)
		check(t, "Device without components", got, &none)
		return err
	})
	if got := deviceTokens(t, s, []string{"status"}, "en", 10); len(got) != 0 {
		t.Errorf("DeviceTokens for a device subscribed to nothing = %q, want none", got)
	}

	// A rejected PutDevice writes nothing, even when fn goes on and commits.
	bad := []*status.Device{
		newDevice("", "ko", "api"),
		newDevice(full.Token, "ko", "api", "web", "api"),
		newDevice(full.Token, "ko", "api", ""),
	}
	write(t, s, func(tx status.Tx) error {
		for _, d := range bad {
			wantCode(t, fmt.Sprintf("PutDevice(%q, %q)", d.Token, d.Components), tx.PutDevice(d), status.EINVALID)
		}
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Device(full.Token)
		check(t, "Device after rejected PutDevice calls", got, &none)
		return err
	})
	if n := countDevices(t, s); n != 2 {
		t.Errorf("CountDevices after rejected PutDevice calls = %d, want 2", n)
	}
}

func testDeviceTokens(t *testing.T, s status.Store) {
	// Tokens in byte order, which is not dictionary order: upper case sorts first.
	const (
		koStar   = "A-ko-star-00000000000"
		koAPI    = "B-ko-api-000000000000"
		enAPI    = "C-en-api-000000000000"
		koLogin  = "Z-ko-login-0000000000"
		koAPIWeb = "a-ko-api-web-00000000"
		koWeb    = "b-ko-web-000000000000"
		enStar   = "c-en-star-00000000000"
		koNone   = "z-ko-none-00000000000"
	)
	// Inserted out of order.
	putDevices(t, s,
		newDevice(koNone, "ko"),
		newDevice(enStar, "en", "*"),
		newDevice(koWeb, "ko", "web"),
		newDevice(koAPIWeb, "ko", "web", "api"),
		newDevice(koLogin, "ko", "login"),
		newDevice(enAPI, "en", "api"),
		newDevice(koAPI, "ko", "api"),
		newDevice(koStar, "ko", "*"),
	)
	tests := []struct {
		name       string
		components []string
		locale     string
		limit      int
		want       []string
	}{
		{"one component", []string{"api"}, "ko", 10, []string{koStar, koAPI, koAPIWeb}},
		{"two components, each token once", []string{"api", "web"}, "ko", 10, []string{koStar, koAPI, koAPIWeb, koWeb}},
		{"repeated components in any order", []string{"web", "api", "web"}, "ko", 10, []string{koStar, koAPI, koAPIWeb, koWeb}},
		{"limit", []string{"api", "web"}, "ko", 2, []string{koStar, koAPI}},
		{"limit counts distinct tokens", []string{"api", "web"}, "ko", 3, []string{koStar, koAPI, koAPIWeb}},
		{"limit 1", []string{"login"}, "ko", 1, []string{koStar}},
		{"other locale", []string{"api"}, "en", 10, []string{enAPI, enStar}},
		{"no components: everything subscribers", nil, "ko", 10, []string{koStar}},
		{"unknown component", []string{"nope"}, "en", 10, []string{enStar}},
		{"asking for *", []string{"*"}, "ko", 10, []string{koStar}},
		{"unknown locale", []string{"api", "login"}, "ja", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := deviceTokens(t, s, tt.components, tt.locale, tt.limit)
			check(t, fmt.Sprintf("DeviceTokens(%q, %q, %d)", tt.components, tt.locale, tt.limit), got, tt.want)
		})
	}
	for _, limit := range []int{0, -1} {
		read(t, s, func(tx status.Tx) error {
			_, err := tx.DeviceTokens([]string{"api"}, "ko", limit)
			wantCode(t, fmt.Sprintf("DeviceTokens with limit %d", limit), err, status.EINVALID)
			return nil
		})
	}
}

// testDeviceTokensModel compares DeviceTokens with a plain model on random devices and
// questions, including questions naming hundreds of components.
func testDeviceTokensModel(t *testing.T, s status.Store) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:."
	comps := make([]string, 30)
	for i := range comps {
		comps[i] = fmt.Sprintf("c%02d", i)
	}
	var devices []*status.Device
	seen := map[string]bool{}
	for len(devices) < 400 {
		b := make([]byte, 20+rng.IntN(10))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		d := newDevice(string(b), status.Locales[rng.IntN(2)])
		if rng.IntN(10) == 0 {
			d.Components = []string{"*"}
		} else {
			for _, i := range rng.Perm(len(comps))[:rng.IntN(4)] {
				d.Components = append(d.Components, comps[i])
			}
		}
		devices = append(devices, d)
	}
	putDevices(t, s, devices...)

	model := func(components []string, locale string, limit int) []string {
		var out []string
		for _, d := range devices {
			if d.Locale == locale && (d.All() || slices.ContainsFunc(d.Components, func(c string) bool {
				return slices.Contains(components, c)
			})) {
				out = append(out, d.Token)
			}
		}
		slices.Sort(out)
		return out[:min(limit, len(out))]
	}
	// More components than one SQL statement may merge, known ones spread among unknown.
	many := slices.Clone(comps)
	for i := range 300 {
		many = append(many, fmt.Sprintf("%s-gone%03d", comps[i%len(comps)], i))
	}
	rng.Shuffle(len(many), func(i, j int) { many[i], many[j] = many[j], many[i] })
	questions := [][]string{nil, many}
	for range 40 {
		var q []string
		for _, i := range rng.Perm(len(comps))[:rng.IntN(6)] {
			q = append(q, comps[i])
		}
		questions = append(questions, q)
	}
	read(t, s, func(tx status.Tx) error {
		for _, q := range questions {
			for _, locale := range status.Locales {
				for _, limit := range []int{1, 7, 50, 1000} {
					got, err := tx.DeviceTokens(q, locale, limit)
					if err != nil {
						return err
					}
					check(t, fmt.Sprintf("DeviceTokens(%d components %.60q, %s, %d)", len(q), q, locale, limit),
						got, model(q, locale, limit))
				}
			}
		}
		return nil
	})
}

func testDeleteDevices(t *testing.T, s status.Store) {
	const batch = 2500 // more than one statement may bind in SQLite
	var gone []*status.Device
	var tokens []string
	for i := range batch {
		d := newDevice(fmt.Sprintf("dead-token-%06d-xyz", i), status.Locales[i%2], "api")
		if i%3 == 0 {
			d.Components = []string{"*"}
		}
		gone = append(gone, d)
		tokens = append(tokens, d.Token)
	}
	keep := []*status.Device{newDevice("live-token-ko-000001", "ko", "api"), newDevice("live-token-en-000001", "en", "*")}
	putDevices(t, s, append(slices.Clone(gone), keep...)...)
	if n := countDevices(t, s); n != batch+2 {
		t.Fatalf("CountDevices = %d, want %d", n, batch+2)
	}

	var n int
	write(t, s, func(tx status.Tx) error {
		var err error
		if n, err = tx.DeleteDevices(nil); err != nil || n != 0 {
			t.Errorf("DeleteDevices(nil) = %d, %v; want 0, nil", n, err)
		}
		n, err = tx.DeleteDevices([]string{"unknown-token-000001"})
		if err != nil || n != 0 {
			t.Errorf("DeleteDevices(unknown) = %d, %v; want 0, nil", n, err)
		}
		// Unknown and repeated tokens count nothing.
		arg := append(slices.Clone(tokens), "unknown-token-000001", tokens[0], tokens[batch-1])
		rand.New(rand.NewPCG(3, 4)).Shuffle(len(arg), func(i, j int) { arg[i], arg[j] = arg[j], arg[i] })
		n, err = tx.DeleteDevices(arg)
		return err
	})
	if n != batch {
		t.Errorf("DeleteDevices of %d devices = %d", batch, n)
	}
	if n := countDevices(t, s); n != 2 {
		t.Errorf("CountDevices after the delete = %d, want 2", n)
	}
	read(t, s, func(tx status.Tx) error {
		for _, i := range []int{0, 1, batch / 2, batch - 1} {
			_, err := tx.Device(tokens[i])
			wantCode(t, "deleted device", err, status.ENOTFOUND)
		}
		for _, d := range keep {
			got, err := tx.Device(d.Token)
			if err != nil {
				return err
			}
			check(t, "kept device", got, d)
		}
		return nil
	})
	// Their subscriptions went with them.
	for _, locale := range status.Locales {
		got := deviceTokens(t, s, []string{"api"}, locale, 5000)
		want := []string{"live-token-en-000001"}
		if locale == "ko" {
			want = []string{"live-token-ko-000001"}
		}
		check(t, "DeviceTokens("+locale+") after the delete", got, want)
	}
	// A deleted token can come back.
	back := newDevice(tokens[7], "ko", "login")
	putDevices(t, s, back)
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Device(back.Token)
		check(t, "device registered again", got, back)
		return err
	})
	if n := countDevices(t, s); n != 3 {
		t.Errorf("CountDevices after registering again = %d, want 3", n)
	}
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteDevices([]string{back.Token, back.Token})
		if n != 1 {
			t.Errorf("DeleteDevices of one token twice = %d, want 1", n)
		}
		return err
	})
}

func testDevicesPaging(t *testing.T, s status.Store) {
	var want []status.Device
	write(t, s, func(tx status.Tx) error {
		for i, tok := range []string{"tok-c", "Tok-A", "tok-b", "tok-a"} {
			d := status.Device{Token: tok, Platform: status.Android, Locale: "ko", Components: []string{"z", "a"},
				CreatedAt: base.Add(time.Duration(i) * time.Minute), UpdatedAt: base.Add(time.Hour)}
			if i == 1 {
				d.Components = []string{status.AllComponents}
			}
			if err := tx.PutDevice(&d); err != nil {
				return err
			}
			want = append(want, d)
		}
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		var got []status.Device
		after := ""
		for {
			page, err := tx.Devices(after, 3)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1].Token
		}
		order := []string{"Tok-A", "tok-a", "tok-b", "tok-c"} // byte order
		if len(got) != len(order) {
			t.Fatalf("paged %d devices, want %d", len(got), len(order))
		}
		for i, tok := range order {
			if got[i].Token != tok {
				t.Fatalf("device %d = %s, want %s (byte order)", i, got[i].Token, tok)
			}
			for _, w := range want {
				if w.Token == tok {
					check(t, "Device "+tok, &got[i], &w)
				}
			}
		}
		if _, err := tx.Devices("", 0); status.ErrorCode(err) != status.EINVALID {
			t.Fatalf("limit 0: %v, want EINVALID", err)
		}
		return nil
	})
}
