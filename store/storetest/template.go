package storetest

import (
	"github.com/candorstatus/candor/lang"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newTemplate(id, name string) *status.Template {
	return &status.Template{ID: id, Name: name, Cause: status.CauseNetwork, Impact: status.ImpactMinor,
		Title: lang.Text{KO: "네트워크 지연", EN: "Network delays"}, Message: lang.Text{KO: "확인 중입니다.", EN: "We are investigating."},
		CreatedAt: base, UpdatedAt: base}
}

func templates(t *testing.T, s status.Store) []status.Template {
	t.Helper()
	var ts []status.Template
	read(t, s, func(tx status.Tx) error {
		var err error
		ts, err = tx.Templates()
		return err
	})
	return ts
}

func putTemplates(t *testing.T, s status.Store, ts ...*status.Template) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, tm := range ts {
			if err := tx.PutTemplate(tm); err != nil {
				return err
			}
		}
		return nil
	})
}

func testTemplates(t *testing.T, s status.Store) {
	check(t, "Templates of an empty store", templates(t, s), []status.Template(nil))
	full := &status.Template{ID: "tpl-db", Name: "DB failover — DB 장애", Cause: status.CauseDatabase,
		Impact: status.ImpactMajor, Title: lang.Text{KO: "데이터베이스 장애", EN: "Database outage"},
		Message:   lang.Text{KO: "일부 기능이 동작하지 않습니다.\n복구 중입니다.", EN: "Some features fail.\nWe are recovering."},
		CreatedAt: base, UpdatedAt: base.Add(time.Minute + 1)}
	requireAllSet(t, full)
	network, power := newTemplate("tpl-net", "network"), newTemplate("tpl-power", "Power")
	minimal := &status.Template{ID: "tpl-min", Name: "~minimal"}
	putTemplates(t, s, network, minimal, full, power)
	// By name in byte order.
	check(t, "Templates", templates(t, s), []status.Template{*full, *power, *network, *minimal})

	// A put replaces everything but CreatedAt; renaming to the same name in another case is
	// fine.
	repl := &status.Template{ID: full.ID, Name: "db FAILOVER — db 장애", Cause: status.CauseDeploy,
		Impact: status.ImpactCritical, Title: lang.Text{KO: "배포 장애", EN: "Deploy outage"}, Message: lang.Text{KO: "롤백 중입니다.",
			EN: "Rolling back."}, CreatedAt: base.Add(24 * time.Hour), UpdatedAt: base.Add(2 * time.Hour)}
	requireAllChanged(t, full, repl, "ID")
	putTemplates(t, s, repl)
	wantRepl := *repl
	wantRepl.CreatedAt = full.CreatedAt
	check(t, "Templates after a replace", templates(t, s), []status.Template{*power, wantRepl, *network, *minimal})

	// Rejected puts write nothing, and fn may go on and commit.
	renamed := *power
	renamed.Name, renamed.UpdatedAt = "NETWORK", base.Add(5*time.Hour)
	tests := []struct {
		name string
		tm   *status.Template
		code string
	}{
		{"new template with a taken name", newTemplate("tpl-new", "network"), status.ECONFLICT},
		{"new template with a taken name in other case", newTemplate("tpl-new", "Network"), status.ECONFLICT},
		{"rename to a taken name", &renamed, status.ECONFLICT},
		{"no id", newTemplate("", "other"), status.EINVALID},
		{"no name", newTemplate("tpl-new", ""), status.EINVALID},
		{"name not UTF-8", newTemplate("tpl-new", "net\xffwork"), status.EINVALID},
	}
	write(t, s, func(tx status.Tx) error {
		for _, tt := range tests {
			wantCode(t, "PutTemplate: "+tt.name, tx.PutTemplate(tt.tm), tt.code)
		}
		wantCode(t, "DeleteTemplate unknown", tx.DeleteTemplate("nope"), status.ENOTFOUND)
		_, err := tx.BumpRevision("")
		return err
	})
	check(t, "Templates after rejected puts", templates(t, s), []status.Template{*power, wantRepl, *network, *minimal})

	// A deleted template's name is free again.
	write(t, s, func(tx status.Tx) error {
		if err := tx.DeleteTemplate(network.ID); err != nil {
			return err
		}
		wantCode(t, "DeleteTemplate twice", tx.DeleteTemplate(network.ID), status.ENOTFOUND)
		return tx.PutTemplate(&renamed)
	})
	check(t, "Templates after delete and rename", templates(t, s), []status.Template{renamed, wantRepl, *minimal})
}
