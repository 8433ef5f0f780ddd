package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func testAudit(t *testing.T, s status.Store) {
	var entries []status.AuditEntry // oldest first
	for i := range 5 {
		e := status.AuditEntry{At: base.Add(time.Duration(i) * time.Second),
			Actor:  status.Actor{Kind: status.ActorAPIKey, Name: "deploy-bot", Addr: "203.0.113.7"},
			Action: "incident.create", Target: fmt.Sprintf("inc%d", i), Detail: "Created “Messages delayed”."}
		if i == 4 {
			e.Actor = status.System
		}
		// One entry per transaction: ids grow across transactions too.
		write(t, s, func(tx status.Tx) error { return tx.AppendAudit(&e) })
		if e.ID <= 0 || (i > 0 && e.ID <= entries[i-1].ID) {
			t.Fatalf("AppendAudit set ID %d after %v, want growing positive ids", e.ID, entries)
		}
		entries = append(entries, e)
	}
	requireAllSet(t, entries[0])
	newest := func(idx ...int) []status.AuditEntry {
		var es []status.AuditEntry
		for _, i := range idx {
			es = append(es, entries[i])
		}
		return es
	}
	tests := []struct {
		name     string
		limit    int
		beforeID int64
		want     []status.AuditEntry
	}{
		{"all", 10, 0, newest(4, 3, 2, 1, 0)},
		{"first page", 2, 0, newest(4, 3)},
		{"second page", 2, entries[3].ID, newest(2, 1)},
		{"last page", 2, entries[1].ID, newest(0)},
		{"past the end", 2, entries[0].ID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read(t, s, func(tx status.Tx) error {
				got, err := tx.Audit(tt.limit, tt.beforeID)
				check(t, fmt.Sprintf("Audit(%d, %d)", tt.limit, tt.beforeID), got, tt.want)
				return err
			})
		})
	}
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Audit(0, 0)
		wantCode(t, "Audit(0, 0)", err, status.EINVALID)
		return nil
	})
}
