package status_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// token is a well-formed FCM registration token.
var token = "dGVzdC10b2tlbi0x:APA91b" + strings.Repeat("Ab0-_.", 20)

func validDevice() status.DeviceInput {
	return status.DeviceInput{Token: token, Platform: status.Android, Locale: "ko", Components: []string{"api"}}
}

// topicJobs returns the topic moves the notifier was asked to queue, oldest first.
func (en *env) topicJobs() []string {
	en.t.Helper()
	var out []string
	for _, j := range en.jobs() {
		if j.Kind == status.JobSubscribe {
			out = append(out, j.Topic)
		}
	}
	return out
}

func TestRegisterDeviceRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.withNotifier()
	en.components("api", "web")
	all := make([]string, status.MaxDeviceComponents+1)
	for i := range all {
		all[i] = "api"
	}
	for _, tc := range []struct {
		name  string
		edit  func(d *status.DeviceInput)
		field string
	}{
		{"no token", func(d *status.DeviceInput) { d.Token = "" }, "token"},
		{"token too short", func(d *status.DeviceInput) { d.Token = long("a", 19) }, "token"},
		{"token too long", func(d *status.DeviceInput) { d.Token = long("a", 1025) }, "token"},
		{"token with a space", func(d *status.DeviceInput) { d.Token = long("a", 30) + " b" }, "token"},
		{"token with a slash", func(d *status.DeviceInput) { d.Token = long("a", 30) + "/b" }, "token"},
		{"no platform", func(d *status.DeviceInput) { d.Platform = "" }, "platform"},
		{"unknown platform", func(d *status.DeviceInput) { d.Platform = "windows" }, "platform"},
		{"no locale", func(d *status.DeviceInput) { d.Locale = "" }, "locale"},
		{"unknown locale", func(d *status.DeviceInput) { d.Locale = "fr" }, "locale"},
		{"locale with a region", func(d *status.DeviceInput) { d.Locale = "ko-KR" }, "locale"},
		{"no components", func(d *status.DeviceInput) { d.Components = nil }, "components"},
		{"too many components", func(d *status.DeviceInput) { d.Components = all }, "components"},
		{"unknown component", func(d *status.DeviceInput) { d.Components = []string{"api", "db"} }, "components"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			in := validDevice()
			tc.edit(&in)
			d, _, err := en.svc.RegisterDevice(en.ctx, op, in)
			en.refused(err, status.EINVALID, tc.field, before)
			if d != nil {
				t.Errorf("refused device returned %+v", d)
			}
		})
	}
	if en.rec.wakes != 0 {
		t.Errorf("refused registrations woke the dispatcher %d times", en.rec.wakes)
	}
}

func TestRegisterDeviceAcceptsBoundaries(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	most := make([]string, status.MaxDeviceComponents)
	for i := range most {
		most[i] = "api"
	}
	for _, tc := range []struct {
		name string
		edit func(d *status.DeviceInput)
	}{
		{"shortest token", func(d *status.DeviceInput) { d.Token = long("a", 20) }},
		{"longest token", func(d *status.DeviceInput) { d.Token = long("a:b.c-d_", 1024) }},
		{"most components", func(d *status.DeviceInput) { d.Components = most }},
		{"everything", func(d *status.DeviceInput) { d.Components = []string{status.AllComponents} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			in := validDevice()
			tc.edit(&in)
			if _, _, err := en.svc.RegisterDevice(en.ctx, op, in); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, p := range status.Platforms {
		for _, l := range status.Locales {
			in := validDevice()
			in.Platform, in.Locale = p, l
			if _, _, err := en.svc.RegisterDevice(en.ctx, op, in); err != nil {
				t.Errorf("%s/%s: %v", p, l, err)
			}
		}
	}
}

func TestRegisterDevice(t *testing.T) {
	en := newEnv(t, t0)
	en.withNotifier()
	en.components("api", "web", "db")
	stored := func() *status.Device {
		t.Helper()
		var d *status.Device
		if err := en.store.Read(en.ctx, func(tx status.Tx) error {
			var err error
			d, err = tx.Device(token)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return d
	}

	in := validDevice()
	in.Components = []string{"web", "api", "web"}
	d, created, err := en.svc.RegisterDevice(en.ctx, op, in)
	if err != nil || !created {
		t.Fatalf("first registration: created %v, %v", created, err)
	}
	if got := stored(); !slices.Equal(got.Components, []string{"api", "web"}) || !got.CreatedAt.Equal(t0) || got.Platform != status.Android {
		t.Errorf("stored %+v, want its components sorted without repeats", got)
	}
	if !slices.Equal(d.Components, []string{"api", "web"}) {
		t.Errorf("returned components %v", d.Components)
	}

	// The same token again updates the device, keeping when it was first registered.
	en.clock.Advance(time.Hour)
	in = validDevice()
	in.Locale, in.Platform, in.Components = "en", status.IOS, []string{"db", status.AllComponents}
	if _, created, err := en.svc.RegisterDevice(en.ctx, op, in); err != nil || created {
		t.Fatalf("second registration: created %v, %v", created, err)
	}
	got := stored()
	if !slices.Equal(got.Components, []string{status.AllComponents}) || got.Locale != "en" || got.Platform != status.IOS ||
		!got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("updated %+v, want everything (which covers the rest), in English, created at first", got)
	}

	// Registering the same again moves no topic.
	if _, _, err := en.svc.RegisterDevice(en.ctx, op, in); err != nil {
		t.Fatal(err)
	}

	before := en.footprint()
	en.refused(en.svc.DeleteDevice(en.ctx, op, "unknown-token-0000000000"), status.ENOTFOUND, "", before)
	if err := en.svc.DeleteDevice(en.ctx, op, token); err != nil {
		t.Fatal(err)
	}
	if err := en.store.Read(en.ctx, func(tx status.Tx) error { _, err := tx.Device(token); return err }); status.ErrorCode(err) != status.ENOTFOUND {
		t.Errorf("deleted device readable: %v", err)
	}

	want := []string{"->ko:api,web", "ko:api,web>en:*", "en:*>-"}
	if got := en.topicJobs(); !slices.Equal(got, want) {
		t.Errorf("topic moves %v, want %v", got, want)
	}
	if en.rec.wakes != 3 {
		t.Errorf("dispatcher woken %d times, want 3 (once per write that queued jobs)", en.rec.wakes)
	}
	if en.revision() != 3 {
		t.Errorf("revision %d: devices are not public, only the three components moved it", en.revision())
	}
}

func TestDeliveries(t *testing.T) {
	en := newEnv(t, t0)
	en.withNotifier()
	en.components("api")
	in := validIncident()
	in.Notify = true
	inc, err := en.svc.CreateIncident(en.ctx, op, in)
	if err != nil {
		t.Fatal(err)
	}
	mi := validMaintenance()
	mi.Notify = true
	m := en.schedule(mi)
	for id, want := range map[string]string{inc.ID: "created", m.ID: "maintenance_scheduled"} {
		jobs, err := en.svc.Deliveries(en.ctx, id)
		if err != nil || len(jobs) != 1 || jobs[0].Event != want || jobs[0].IncidentID != id {
			t.Errorf("deliveries of %s: %+v, %v; want its %s push", id, jobs, err, want)
		}
	}
	if _, err := en.svc.Deliveries(en.ctx, "nope"); status.ErrorCode(err) != status.ENOTFOUND {
		t.Errorf("deliveries of an unknown id: %v, want not found", err)
	}
	if failed, err := en.svc.FailedDeliveries(en.ctx, 10); err != nil || len(failed) != 0 {
		t.Errorf("failed deliveries %+v, %v; want none", failed, err)
	}
}
