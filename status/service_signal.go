package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SignalInput is one report from monitoring: an alert of an Alertmanager webhook, a call of
// the signal API, a probe crossing its threshold.
type SignalInput struct {
	// Key identifies the alert across deliveries (see Signal.Key).
	Key       string
	Component string
	Status    ComponentStatus // "": partial_outage
	Source    string
	Summary   string
	Resolved  bool
	// StartedAt is when the sender says the problem began; zero or in the future: now.
	StartedAt time.Time
}

// Signal report results.
const (
	SignalNew     = "new"     // first report of this key
	SignalChanged = "changed" // the reported state changed
	SignalRepeat  = "repeat"  // the same state again: deduplicated
	SignalUnknown = "unknown" // a resolution of a signal never seen firing: nothing to do
	SignalIgnored = "ignored" // unusable; Problem says why
)

// SignalOutcome says what became of one input.
type SignalOutcome struct {
	Key       string
	Component string
	Result    string
	// Field and Problem explain an ignored input, naming the input field at fault.
	Field, Problem string
	// Applied is set when the report changed what is in effect at once (its hold had
	// passed, or it has none); otherwise the signals job applies it once the hold passes,
	// at DueAt.
	Applied bool
	DueAt   time.Time
}

// SetSignalHold sets how long a reported signal state must hold before it takes effect
// (DefaultSignalHold unless set; 0 applies reports at once). Call it before the service is
// shared.
func (s *Service) SetSignalHold(d time.Duration) { s.signalHold = d }

// SignalHold returns how long a reported state must hold before it takes effect.
func (s *Service) SignalHold() time.Duration { return s.signalHold }

// checkSignal trims and validates in, defaulting its status; it returns the field and the
// problem when in cannot be used.
func checkSignal(in *SignalInput) (field, problem string) {
	in.Key, in.Component = strings.TrimSpace(in.Key), strings.TrimSpace(in.Component)
	// The summary is the monitoring's words, kept rather than refused (like its length):
	// a control character — a NUL, which no PostgreSQL text holds and which failed the
	// whole alert group there, or an escape sequence for a staff terminal — becomes a space.
	in.Source, in.Summary = strings.TrimSpace(in.Source), strings.TrimSpace(strings.Map(controlToSpace, in.Summary))
	if in.Status == "" {
		in.Status = PartialOutage
	}
	if utf8.RuneCountInString(in.Summary) > MaxSignalSummaryLen {
		// Alert annotations can be long; staff need the gist, not a reason to drop the alert.
		in.Summary = string([]rune(in.Summary)[:MaxSignalSummaryLen-1]) + "…"
	}
	switch {
	case in.Component == "":
		return "component", "is required"
	case CheckText(in.Component, SingleLine) != nil:
		return "component", CheckText(in.Component, SingleLine).Error()
	case CheckText(in.Source, SingleLine) != nil:
		return "source", CheckText(in.Source, SingleLine).Error()
	case CheckText(in.Key, SingleLine) != nil:
		return "dedup_key", CheckText(in.Key, SingleLine).Error()
	case in.Source == "":
		return "source", "is required"
	case utf8.RuneCountInString(in.Source) > MaxSignalSourceLen:
		return "source", fmt.Sprintf("must be at most %d characters", MaxSignalSourceLen)
	case in.Key == "":
		return "dedup_key", "is required"
	case len(in.Key) > MaxSignalKeyLen:
		return "dedup_key", fmt.Sprintf("must be at most %d bytes", MaxSignalKeyLen)
	case !SignalStatus(in.Status):
		return "status", "must be one of " + JoinNames(SignalStatuses)
	}
	return "", ""
}

func controlToSpace(r rune) rune {
	if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
		return ' '
	}
	return r
}

// ReportSignals records what monitoring reports, in one transaction: a new or changed state
// is stored (and audited with its source) and takes effect once it has held for the hold,
// on the spot when it already has; repeats are counted and change nothing. Inputs that
// cannot be used are ignored with a reason rather than failing the others, because
// Alertmanager sends a whole group at once.
func (s *Service) ReportSignals(ctx context.Context, op Op, ins []SignalInput) ([]SignalOutcome, error) {
	out := make([]SignalOutcome, len(ins))
	for i := range ins {
		f, p := checkSignal(&ins[i])
		out[i] = SignalOutcome{Key: ins[i].Key, Component: ins[i].Component}
		if p != "" {
			out[i].Result, out[i].Field, out[i].Problem = SignalIgnored, f, p
		}
	}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		changed, h := false, newHolders(tx)
		for i := range ins {
			if out[i].Result == SignalIgnored {
				continue
			}
			o, c, err := s.reportSignal(h, op.Actor, ins[i], now)
			if err != nil {
				return change{}, fmt.Errorf("report signal %s: %w", ins[i].Key, err)
			}
			out[i], changed = o, changed || c
		}
		return change{kind: "component", public: changed}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reportSignal records one usable input and applies it when it is due; it reports whether
// a component's status changed.
func (s *Service) reportSignal(h *holders, actor Actor, in SignalInput, now time.Time) (SignalOutcome, bool, error) {
	tx := h.tx
	o := SignalOutcome{Key: in.Key, Component: in.Component}
	ignore := func(field, problem string) (SignalOutcome, bool, error) {
		o.Result, o.Field, o.Problem = SignalIgnored, field, problem
		return o, false, nil
	}
	if _, err := h.component(in.Component); ErrorCode(err) == ENOTFOUND {
		return ignore("component", "no component has the id "+in.Component)
	} else if err != nil {
		return o, false, err
	}
	began := in.StartedAt.UTC().Truncate(time.Microsecond)
	if began.IsZero() || began.After(now) {
		began = now
	}
	firing := !in.Resolved
	g, err := tx.Signal(in.Key)
	switch {
	case ErrorCode(err) == ENOTFOUND && !firing:
		o.Result = SignalUnknown
		return o, false, nil
	case ErrorCode(err) == ENOTFOUND:
		g = &Signal{Key: in.Key, ComponentID: in.Component, Source: in.Source, Summary: in.Summary, Status: in.Status,
			Firing: true, Since: now, BeganAt: began, LastSeenAt: now, CreatedAt: now}
		o.Result = SignalNew
	case err != nil:
		return o, false, err
	case g.ComponentID != in.Component:
		return ignore("dedup_key", "already reports on component "+g.ComponentID+"; use another key for "+in.Component)
	case g.Firing == firing && (!firing || g.Status == in.Status):
		g.Repeats++
		o.Result = SignalRepeat
	default:
		if firing && !g.Firing && g.Active == "" {
			g.BeganAt = began // a new episode; a flap inside the hold keeps the first one's start
		}
		if firing {
			g.Status, g.EndedAt = in.Status, time.Time{}
		} else {
			g.EndedAt = now
		}
		g.Firing, g.Since = firing, now
		o.Result = SignalChanged
	}
	g.Source, g.LastSeenAt, g.UpdatedAt = in.Source, now, now
	if in.Summary != "" {
		g.Summary = in.Summary
	}
	if o.Result != SignalRepeat {
		state := "resolved"
		if g.Firing {
			state = "firing " + string(g.Status)
		}
		if err := appendAudit(tx, actor, now, "signal.report", g.Key,
			fmt.Sprintf("%s: %s %s on %s: %s", g.Source, g.Key, state, g.ComponentID, g.Summary)); err != nil {
			return o, false, err
		}
	}
	changed := false
	if g.Pending() && !now.Before(g.DueAt(s.signalHold)) {
		if changed, err = s.applySignal(h, actor, g, now); err != nil {
			return o, false, err
		}
		o.Applied = true
	} else {
		if g.Pending() {
			o.DueAt = g.DueAt(s.signalHold)
		}
		if err := tx.PutSignal(g); err != nil {
			return o, false, err
		}
	}
	return o, changed, nil
}

// applySignal puts a signal's reported state in effect: the component's status is worked
// out again from everything that holds it, and a firing signal joins the open incident on
// its component, or an open draft, or opens a draft. It reports whether the component's
// status changed.
func (s *Service) applySignal(h *holders, actor Actor, g *Signal, now time.Time) (bool, error) {
	g.Active, g.UpdatedAt = g.Wanted(), now
	if err := s.attachSignal(h, actor, g, now); err != nil {
		return false, err
	}
	if err := h.putSignal(g); err != nil {
		return false, err
	}
	before, after, err := h.sync(g.ComponentID, now)
	if err != nil {
		return false, err
	}
	state := "resolved"
	if g.Firing {
		state = "firing " + string(g.Status)
	}
	detail := fmt.Sprintf("%s: %s → %s (%s: %s %s)", g.ComponentID, before, after, g.Source, g.Key, state)
	if err := appendAudit(h.tx, actor, now, "signal.apply", g.Key, detail); err != nil {
		return false, err
	}
	return before != after, nil
}

// attachSignal links g to what it is about: the open incident holding its component, else
// the open draft holding it, else (while it fires) a new draft. A link to something still
// open is kept.
func (s *Service) attachSignal(h *holders, actor Actor, g *Signal, now time.Time) error {
	if g.IncidentID != "" {
		if inc, err := h.openIncident(g.IncidentID); err != nil || inc != nil {
			return err
		}
		drafts, err := h.openDrafts()
		if err != nil {
			return err
		}
		for _, d := range drafts {
			if d.ID == g.IncidentID {
				return raiseDraft(h, d, g, now)
			}
		}
		g.IncidentID = ""
	}
	if inc, err := h.incidentHolding(g.ComponentID); err != nil {
		return err
	} else if inc != nil {
		g.IncidentID = inc.ID
		return nil
	}
	drafts, err := h.openDrafts()
	if err != nil {
		return err
	}
	for _, d := range drafts {
		if d.Holds(g.ComponentID) {
			g.IncidentID = d.ID
			return raiseDraft(h, d, g, now)
		}
	}
	if !g.Firing {
		return nil
	}
	// Alerts are expected during maintenance: the post-checks at its end open the draft if
	// the trouble outlasts the work.
	if held, err := h.inMaintenance(g.ComponentID); err != nil || held {
		return err
	}
	d, err := s.newDraft(h.tx, g, now)
	if err != nil {
		return err
	}
	if err := h.putDraft(d); err != nil {
		return err
	}
	g.IncidentID = d.ID
	return appendAudit(h.tx, actor, now, "draft.open", d.ID, fmt.Sprintf("%s: %s (%s: %s)", g.ComponentID, g.Status, g.Source, g.Summary))
}

// raiseDraft makes an open draft ask for g's status on g's component when that is worse
// than what it asks for now: a second, more severe alert shows in what staff publish.
func raiseDraft(h *holders, d *Draft, g *Signal, now time.Time) error {
	if !g.Firing {
		return nil
	}
	for i := range d.Components {
		if d.Components[i].ComponentID == g.ComponentID && g.Status.Worse(d.Components[i].Status) {
			d.Components[i].Status = g.Status
			d.UpdatedAt = now
			if d.Impact == "" || impactFromComponents(map[string]ComponentStatus{g.ComponentID: g.Status}).Worse(d.Impact) {
				d.Impact = impactFromComponents(map[string]ComponentStatus{g.ComponentID: g.Status})
			}
			return h.putDraft(d)
		}
	}
	return nil
}

// signalBatch is how many due signals one transaction of the signals job applies.
const signalBatch = 100

// RunSignals is the signals job: it applies every reported state whose hold has passed,
// then publishes drafts whose auto-publish time has come while a signal still fires. State
// lives in the store, so a restart or another replica picks up exactly where this left off;
// every step re-reads inside its transaction, so nothing happens twice. It returns how
// many signals took effect and how many drafts were published.
func (s *Service) RunSignals(ctx context.Context) (applied, published int, err error) {
	now := s.now()
	var pending []Signal
	var drafts []Draft
	err = s.store.Read(ctx, func(tx Tx) error {
		var err error
		if pending, err = tx.Signals(SignalFilter{Pending: true}); err != nil {
			return err
		}
		drafts, err = tx.Drafts(DraftFilter{Status: DraftOpen})
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("load pending signals: %w", err)
	}
	var due []string
	for i := range pending {
		if !now.Before(pending[i].DueAt(s.signalHold)) {
			due = append(due, pending[i].Key)
		}
	}
	// A batch per transaction: a backlog too large for one transaction within the job's
	// deadline (an Alertmanager group of thousands of alerts) was rolled back at every run,
	// holding SQLite's write lock each time and never applied. Batches commit as they go.
	for batch := range slices.Chunk(due, signalBatch) {
		n := 0
		err = s.write(ctx, Op{Actor: System}, func(tx Tx, now time.Time) (change, error) {
			changed, h := false, newHolders(tx)
			n = 0 // the closure may run again (a retried transaction)
			for _, key := range batch {
				g, err := tx.Signal(key)
				if ErrorCode(err) == ENOTFOUND {
					continue // its component was deleted meanwhile
				} else if err != nil {
					return change{}, err
				}
				if !g.Pending() || now.Before(g.DueAt(s.signalHold)) {
					continue // reported again since the read
				}
				c, err := s.applySignal(h, System, g, now)
				if err != nil {
					return change{}, fmt.Errorf("apply signal %s: %w", key, err)
				}
				n++
				changed = changed || c
			}
			return change{kind: "component", public: changed}, nil
		})
		if err != nil {
			return applied, 0, err
		}
		applied += n
	}
	for i := range drafts {
		if at := drafts[i].AutoPublishAt; at.IsZero() || now.Before(at) {
			continue
		}
		_, err := s.publishDraft(ctx, Op{Actor: System}, drafts[i].ID, PublishInput{Notify: true}, true)
		switch {
		case err == nil:
			published++
		case err == errNotDue || ErrorCode(err) == ECONFLICT:
			// Its signals resolved (staff decide), or someone acted meanwhile.
		default:
			return applied, published, fmt.Errorf("auto-publish draft %s: %w", drafts[i].ID, err)
		}
	}
	return applied, published, nil
}

// SignalRetention is how long a resolved signal is kept after it ended.
const SignalRetention = 30 * 24 * time.Hour

// SweepSignals forgets signals resolved more than SignalRetention ago.
func (s *Service) SweepSignals(ctx context.Context) (int, error) {
	var n int
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteSignalsEndedBefore(s.now().Add(-SignalRetention))
		return err
	})
	return n, err
}

// Signals returns the signals matching f.
func (s *Service) Signals(ctx context.Context, f SignalFilter) ([]Signal, error) {
	var out []Signal
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Signals(f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list signals: %w", err)
	}
	return out, nil
}

// SignalsByIncident returns the signals that belong to a draft or an incident, by its id.
func (s *Service) SignalsByIncident(ctx context.Context) (map[string][]Signal, error) {
	list, err := s.Signals(ctx, SignalFilter{Attached: true})
	if err != nil {
		return nil, err
	}
	out := map[string][]Signal{}
	for _, g := range list {
		out[g.IncidentID] = append(out[g.IncidentID], g)
	}
	return out, nil
}

// appendAudit records one action inside a transaction that records several (write records
// only one per transaction).
func appendAudit(tx Tx, actor Actor, now time.Time, action, target, detail string) error {
	if n := 500; utf8.RuneCountInString(detail) > n {
		detail = string([]rune(detail)[:n-1]) + "…"
	}
	if err := tx.AppendAudit(&AuditEntry{At: now, Actor: actor, Action: action, Target: target, Detail: detail}); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}
