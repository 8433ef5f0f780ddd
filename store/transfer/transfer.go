// Package transfer moves Candor's whole state between stores (SQLite ↔ PostgreSQL) through
// a stream of JSON lines: every record in one consistent read on export, into an empty
// store on import. Records are the domain types themselves, so nothing is lost in between:
// timelines, published estimates, devices, email subscribers, API keys as hashes, users with password hashes,
// postmortems, templates and the audit log. Daily uptime roll-ups are left out: they are
// derived from the timelines, and the uptime-rollup job computes them again in the target.
package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/candorstatus/candor/status"
)

// Format names the stream; Version changes when a record's meaning changes. Version 2:
// texts the public reads are objects of languages (version 1 had one string each, and
// incident templates had TitleKO/TitleEN/MessageKO/MessageEN); Import reads both.
const (
	Format  = "candor-export"
	Version = 2
)

// Signals, draft incidents and per-minute probe results are left out too: they describe
// the monitoring of the moment, which the target's own jobs take up again.

// header is the first line of a stream.
type header struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exported_at"`
	Revision   int64     `json:"revision"`
}

// line is every other line: a record of one kind.
type line struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// Kinds of record, in the order they are written and must be imported (components need
// their groups, postmortems their incidents).
var kinds = []string{"group", "component", "monitoring", "probe", "incident", "maintenance", "maintenance_checks", "device",
	"subscriber", "webhook", "apikey", "user", "template", "postmortem", "audit"}

// maintenanceChecks is a maintenance's pre-check list as one record.
type maintenanceChecks struct {
	MaintenanceID string
	Checks        []status.MaintenanceCheck
}

// devicePage is how many devices are read at a time.
const devicePage = 1000

// Stats counts records by kind.
type Stats map[string]int

// Options changes what Export writes.
type Options struct {
	// IncludeSecrets writes webhook signing secrets. Without it webhooks are exported
	// without theirs, and import creates them disabled with a fresh secret, to be rotated
	// and handed to the receiver before they are enabled again.
	IncludeSecrets bool
}

// Export writes every record of st to w in one read transaction, webhook secrets left out.
func Export(ctx context.Context, st status.Store, w io.Writer, now time.Time) (Stats, error) {
	return ExportWith(ctx, st, w, now, Options{})
}

// ExportWith is Export with options. Webhook deliveries and their messages are left out:
// they are in flight, not state.
func ExportWith(ctx context.Context, st status.Store, w io.Writer, now time.Time, opts Options) (Stats, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	stats := Stats{}
	put := func(kind string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", kind, err)
		}
		stats[kind]++
		return enc.Encode(line{Kind: kind, Data: raw})
	}
	err := st.Read(ctx, func(tx status.Tx) error {
		rev, err := tx.Revision()
		if err != nil {
			return err
		}
		if err := enc.Encode(header{Format: Format, Version: Version, ExportedAt: now.UTC(), Revision: rev}); err != nil {
			return err
		}
		groups, err := tx.Groups()
		if err != nil {
			return err
		}
		for _, g := range groups {
			if err := put("group", g); err != nil {
				return err
			}
		}
		comps, err := tx.Components()
		if err != nil {
			return err
		}
		for _, c := range comps {
			if err := put("component", c); err != nil {
				return err
			}
		}
		settings, err := tx.AllMonitorSettings()
		if err != nil {
			return err
		}
		for _, m := range settings {
			if err := put("monitoring", m); err != nil {
				return err
			}
		}
		probes, err := tx.Probes("")
		if err != nil {
			return err
		}
		for _, p := range probes {
			if err := put("probe", p); err != nil {
				return err
			}
		}
		incs, err := tx.Incidents(status.IncidentFilter{})
		if err != nil {
			return err
		}
		for i := len(incs) - 1; i >= 0; i-- { // oldest first
			if err := put("incident", incs[i]); err != nil {
				return err
			}
		}
		ms, err := tx.Maintenances(status.MaintenanceFilter{})
		if err != nil {
			return err
		}
		for i := len(ms) - 1; i >= 0; i-- {
			if err := put("maintenance", ms[i]); err != nil {
				return err
			}
		}
		for i := len(ms) - 1; i >= 0; i-- {
			cs, err := tx.MaintenanceChecks(ms[i].ID)
			if err != nil {
				return err
			}
			if len(cs) > 0 {
				if err := put("maintenance_checks", maintenanceChecks{MaintenanceID: ms[i].ID, Checks: cs}); err != nil {
					return err
				}
			}
		}
		for after := ""; ; {
			ds, err := tx.Devices(after, devicePage)
			if err != nil {
				return err
			}
			if len(ds) == 0 {
				break
			}
			for _, d := range ds {
				if err := put("device", d); err != nil {
					return err
				}
			}
			after = ds[len(ds)-1].Token
		}
		// Subscribers without their link tokens: those are hashes of links in mail already
		// sent, and confirmations and unsubscriptions go on working through new mail.
		for after := ""; ; {
			ss, err := tx.Subscribers(status.SubscriberFilter{After: after, Limit: devicePage})
			if err != nil {
				return err
			}
			if len(ss) == 0 {
				break
			}
			for _, sub := range ss {
				if err := put("subscriber", sub); err != nil {
					return err
				}
			}
			after = ss[len(ss)-1].ID
		}
		hooks, err := tx.WebhookEndpoints()
		if err != nil {
			return err
		}
		for _, h := range hooks {
			if !opts.IncludeSecrets {
				h.Secret = ""
			}
			if err := put("webhook", h); err != nil {
				return err
			}
		}
		keys, err := tx.APIKeys()
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := put("apikey", k); err != nil {
				return err
			}
		}
		users, err := tx.Users()
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := put("user", u); err != nil {
				return err
			}
		}
		tpls, err := tx.Templates()
		if err != nil {
			return err
		}
		for _, t := range tpls {
			if err := put("template", t); err != nil {
				return err
			}
		}
		pms, err := tx.Postmortems()
		if err != nil {
			return err
		}
		for i := len(pms) - 1; i >= 0; i-- {
			if err := put("postmortem", pms[i]); err != nil {
				return err
			}
		}
		var audit []status.AuditEntry
		for before := int64(0); ; {
			page, err := tx.Audit(1000, before)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			audit = append(audit, page...)
			before = page[len(page)-1].ID
		}
		for i := len(audit) - 1; i >= 0; i-- { // oldest first, so ids keep their order
			if err := put("audit", audit[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return stats, fmt.Errorf("export: %w", err)
	}
	return stats, bw.Flush()
}
