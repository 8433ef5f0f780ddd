package app

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.PublicURL != "http://127.0.0.1:8080" || c.DefaultLang != lang.Korean ||
		c.Location.String() != "Asia/Seoul" || c.OutboxLease != 15*time.Second || c.MaxStreams != 100000 || c.FCMOn ||
		c.PageName != lang.Same("Candor Status") || c.PageID() != "candor-status" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadPrecedence(t *testing.T) {
	c, err := Load(map[string]string{"addr": ":9000", "page-name-en": "Messenger Status"},
		env(map[string]string{"CANDOR_ADDR": ":7000", "CANDOR_PAGE_NAME": "메신저 상태", "CANDOR_DEMO": "1", "CANDOR_TRUST_PROXY": "true",
			"CANDOR_OUTBOX_LEASE": "30s", "GOOGLE_CLOUD_PROJECT": "my-project"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || !c.Demo || !c.TrustProxy || c.OutboxLease != 30*time.Second {
		t.Fatalf("flags win over the environment, which wins over defaults: %+v", c)
	}
	if c.PageName != (lang.Text{KO: "메신저 상태", EN: "Messenger Status"}) {
		t.Fatalf("page name %+v", c.PageName)
	}
	if !c.FCMOn || c.FCM.ProjectID != "my-project" {
		t.Fatal("a project variable Candor reads must turn FCM on")
	}
}

// TestLoadRefusesWhatItCannotUse: every malformed value is named with where it came from,
// all at once, and so is a CANDOR_ variable no setting reads — a typo must not be ignored.
func TestLoadRefusesWhatItCannotUse(t *testing.T) {
	_, err := Load(map[string]string{"timezone": "Mars/Olympus", "default-lang": "fr"},
		env(map[string]string{"CANDOR_OUTBOX_LEASE": "soon", "CANDOR_MAX_STREAMS": "-1", "CANDOR_DEMO": "maybe",
			"CANDOR_PUBLIC_URL": "status.example.com", "CANDOR_ADDR": "8080"}),
		[]string{"CANDOR_FCM_PROJCT=x", "CANDOR_TEST_POSTGRES_URL=postgres://x", "CANDOR_REQUIRE=postgres", "PATH=/bin"})
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{`--timezone "Mars/Olympus"`, `--default-lang "fr"`, `CANDOR_OUTBOX_LEASE "soon"`,
		`CANDOR_MAX_STREAMS "-1"`, `CANDOR_DEMO "maybe"`, `CANDOR_PUBLIC_URL "status.example.com"`, `CANDOR_ADDR "8080"`,
		"unknown setting CANDOR_FCM_PROJCT"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, ok := range []string{"CANDOR_TEST_POSTGRES_URL", "CANDOR_REQUIRE", "PATH"} {
		if strings.Contains(msg, ok) {
			t.Errorf("error names %s, which is not a server setting:\n%s", ok, msg)
		}
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table and Settings in step.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, s := range Settings {
		if !strings.Contains(readme, "`"+s.Env+"`") && !strings.Contains(readme, "`"+s.Env+"=") {
			t.Errorf("README does not document %s", s.Env)
		}
		if s.Flag != "" && !strings.Contains(readme, "`--"+s.Flag+"`") {
			t.Errorf("README does not document --%s", s.Flag)
		}
	}
	for _, v := range fcmVariables {
		if !strings.Contains(readme, v) {
			t.Errorf("README does not document %s", v)
		}
	}
}

func TestLoadSMTP(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"CANDOR_SMTP_URL": "smtps://u:secret@mail.example.com",
		"CANDOR_MAIL_FROM": "Candor Status <status@example.com>", "CANDOR_SMTP_RATE": "25", "CANDOR_SMTP_CONNECTIONS": "8"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.SMTPOn || c.SMTP.Host != "mail.example.com" || c.SMTP.Port != 465 || c.SMTPRate != 25 || c.SMTPConns != 8 ||
		c.MailFrom != `"Candor Status" <status@example.com>` {
		t.Fatalf("smtp settings: %+v", c)
	}
	if c, err := Load(nil, env(nil), nil); err != nil || c.SMTPOn || c.SMTPConns != 4 || c.SMTPRate != 0 {
		t.Fatalf("without CANDOR_SMTP_URL emails are logged: %+v, %v", c, err)
	}
	for name, vars := range map[string]map[string]string{
		"no From":          {"CANDOR_SMTP_URL": "smtp://mail.example.com"},
		"bad URL":          {"CANDOR_SMTP_URL": "u:secret@mail.example.com:25", "CANDOR_MAIL_FROM": "a@example.com"},
		"tls off on smtps": {"CANDOR_SMTP_URL": "smtps://u:secret@mail.example.com?tls=none", "CANDOR_MAIL_FROM": "a@example.com"},
		"bad From":         {"CANDOR_MAIL_FROM": "not an address"},
		"negative rate":    {"CANDOR_SMTP_RATE": "-1"},
		"no connections":   {"CANDOR_SMTP_CONNECTIONS": "0"},
	} {
		_, err := Load(nil, env(vars), nil)
		if err == nil {
			t.Errorf("%s: Load accepted %v", name, vars)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error shows a password: %v", name, err)
		}
	}
}
