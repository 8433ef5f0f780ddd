package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// batch is how many records one write transaction imports.
const batch = 500

// ErrNotEmpty is returned when the target store already holds data: an import restores a
// whole state and never merges into another.
var ErrNotEmpty = errors.New("the target store is not empty")

// MaxRevision is the largest revision a stream may start from: far past any real count of
// changes, and far enough from the int64 limit that the target's later bumps cannot overflow.
const MaxRevision = 1 << 62

// Import reads an Export stream into st, which must be empty.
func Import(ctx context.Context, st status.Store, r io.Reader) (Stats, error) {
	if err := requireEmpty(ctx, st); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	var h header
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if h.Format != Format || h.Version < 1 || h.Version > Version {
		return nil, fmt.Errorf("not a %s v1–v%d stream (got %q v%d)", Format, Version, h.Format, h.Version)
	}
	if h.Revision < 0 || h.Revision > MaxRevision {
		return nil, fmt.Errorf("header revision %d is out of range (0 to %d)", h.Revision, int64(MaxRevision))
	}
	stats := Stats{}
	var pending []line
	last := -1
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := st.Write(ctx, func(tx status.Tx) error {
			for _, l := range pending {
				if err := apply(tx, l, h.Version); err != nil {
					return fmt.Errorf("import %s record: %w", l.Kind, err)
				}
			}
			return nil
		})
		pending = pending[:0]
		return err
	}
	for {
		var l line
		err := dec.Decode(&l)
		if err == io.EOF {
			break
		}
		if err != nil {
			return stats, fmt.Errorf("read record %d: %w", sum(stats)+1, err)
		}
		k := slices.Index(kinds, l.Kind)
		if k < 0 {
			return stats, fmt.Errorf("unknown record kind %q", l.Kind)
		}
		if k < last {
			return stats, fmt.Errorf("record kind %q out of order", l.Kind)
		}
		last = k
		pending = append(pending, l)
		stats[l.Kind]++
		if len(pending) == batch {
			if err := flush(); err != nil {
				return stats, err
			}
		}
	}
	if err := flush(); err != nil {
		return stats, err
	}
	// Readers and replicas compare revisions: start where the source was, or later.
	// One step, not a loop of bumps: a header's revision may be in the billions.
	err := st.Write(ctx, func(tx status.Tx) error {
		_, err := tx.RaiseRevision(h.Revision, "")
		return err
	})
	return stats, err
}

func sum(s Stats) int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}

func requireEmpty(ctx context.Context, st status.Store) error {
	return st.Read(ctx, func(tx status.Tx) error {
		comps, err := tx.Components()
		if err != nil {
			return err
		}
		n, err := tx.CountIncidents(status.IncidentFilter{})
		if err != nil {
			return err
		}
		keys, err := tx.APIKeys()
		if err != nil {
			return err
		}
		users, err := tx.Users()
		if err != nil {
			return err
		}
		if len(comps)+n+len(keys)+len(users) > 0 {
			return ErrNotEmpty
		}
		return nil
	})
}

func decode[T any](l line) (*T, error) {
	var v T
	if err := json.Unmarshal(l.Data, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// apply writes one record of a version-v stream with the store's own methods, keeping every
// field as exported.
func apply(tx status.Tx, l line, v int) error {
	switch l.Kind {
	case "group":
		g, err := decode[status.Group](l)
		if err != nil {
			return err
		}
		return tx.PutGroup(g)
	case "component":
		c, err := decode[status.Component](l)
		if err != nil {
			return err
		}
		return tx.CreateComponent(c)
	case "incident":
		inc, err := decode[status.Incident](l)
		if err != nil {
			return err
		}
		if v == 1 {
			for i := range inc.Updates {
				if inc.Updates[i].Kind == status.KindSystem {
					inc.Updates[i].Message = splitEntry(inc.Updates[i].Message)
				}
			}
		}
		return tx.CreateIncident(inc)
	case "maintenance":
		m, err := decode[status.Maintenance](l)
		if err != nil {
			return err
		}
		if v == 1 {
			for i := range m.Updates {
				if m.Updates[i].Kind == status.KindSystem {
					m.Updates[i].Message = splitEntry(m.Updates[i].Message)
				}
			}
		}
		return tx.CreateMaintenance(m)
	case "monitoring":
		m, err := decode[status.MonitorSettings](l)
		if err != nil {
			return err
		}
		return tx.PutMonitorSettings(m)
	case "webhook":
		h, err := decode[status.WebhookEndpoint](l)
		if err != nil {
			return err
		}
		if h.Secret == "" {
			// Exported without --include-secrets: the receiver knows a secret this store
			// cannot have. Keep the endpoint, signing with a fresh secret, but send nothing
			// until staff rotated it, told the receiver and enabled it.
			h.Secret = status.NewWebhookSecret()
			if h.DisabledAt.IsZero() {
				h.DisabledAt = h.UpdatedAt
				if h.DisabledAt.IsZero() {
					h.DisabledAt = time.Now().UTC()
				}
				h.DisabledReason = "imported without its signing secret: rotate the secret, give it to the receiver, then enable"
			}
		}
		return tx.PutWebhookEndpoint(h)
	case "probe":
		p, err := decode[status.Probe](l)
		if err != nil {
			return err
		}
		return tx.PutProbe(p)
	case "maintenance_checks":
		mc, err := decode[maintenanceChecks](l)
		if err != nil {
			return err
		}
		return tx.PutMaintenanceChecks(mc.MaintenanceID, mc.Checks)
	case "device":
		d, err := decode[status.Device](l)
		if err != nil {
			return err
		}
		return tx.PutDevice(d)
	case "subscriber":
		sub, err := decode[status.Subscriber](l)
		if err != nil {
			return err
		}
		return tx.PutSubscriber(sub)
	case "apikey":
		k, err := decode[status.APIKey](l)
		if err != nil {
			return err
		}
		return tx.CreateAPIKey(k)
	case "user":
		u, err := decode[status.User](l)
		if err != nil {
			return err
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return tx.SaveUser(u) // last login and disabled times
	case "template":
		t, err := decode[status.Template](l)
		if err != nil {
			return err
		}
		if v == 1 {
			var old struct{ TitleKO, TitleEN, MessageKO, MessageEN string }
			if err := json.Unmarshal(l.Data, &old); err != nil {
				return err
			}
			t.Title = lang.Text{KO: old.TitleKO, EN: old.TitleEN}
			t.Message = lang.Text{KO: old.MessageKO, EN: old.MessageEN}
		}
		return tx.PutTemplate(t)
	case "postmortem":
		p, err := decode[status.Postmortem](l)
		if err != nil {
			return err
		}
		return tx.PutPostmortem(p)
	case "audit":
		e, err := decode[status.AuditEntry](l)
		if err != nil {
			return err
		}
		return tx.AppendAudit(e)
	}
	return fmt.Errorf("unknown kind %q", l.Kind)
}

// splitEntry reads an automatic timeline entry of a version 1 stream: Candor wrote those as
// the Korean line, a line break and the English line (as the stores' migrations split them).
func splitEntry(t lang.Text) lang.Text {
	ko, en, ok := strings.Cut(t.KO, "\n")
	if !ok || t.KO != t.EN {
		return t
	}
	return lang.Text{KO: ko, EN: en}
}
