package status

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ProbeInput configures a probe; zero fields take the defaults (see validateProbe).
type ProbeInput struct {
	Name         string
	Kind         ProbeKind
	Target       string
	Method       string
	ExpectStatus int
	BodyContains string
	CertMinDays  int
	Timeout      time.Duration
	Interval     time.Duration
	FailAfter    int
	RecoverAfter int
	Status       ComponentStatus
	Enabled      *bool // nil: enabled
}

// probeMethods are the HTTP methods a probe may send: ones that change nothing.
var probeMethods = []string{"GET", "HEAD", "OPTIONS"}

// validateProbe applies the defaults to in and checks it.
func validateProbe(in *ProbeInput) error {
	p := Problems{}
	in.Name, in.Target = strings.TrimSpace(in.Name), strings.TrimSpace(in.Target)
	in.Method = strings.ToUpper(strings.TrimSpace(in.Method))
	if in.Kind == "" {
		in.Kind = ProbeHTTP
	}
	if in.Method == "" && in.Kind == ProbeHTTP {
		in.Method = "GET"
	}
	if in.Interval == 0 {
		in.Interval = DefaultProbeInterval
	}
	if in.Timeout == 0 {
		in.Timeout = min(DefaultProbeTimeout, in.Interval)
	}
	if in.FailAfter == 0 {
		in.FailAfter = DefaultFailAfter
	}
	if in.RecoverAfter == 0 {
		in.RecoverAfter = DefaultRecoverAfter
	}
	if in.Status == "" {
		in.Status = PartialOutage
	}
	if utf8.RuneCountInString(in.Name) > 100 {
		p.Add("name", "must be at most 100 characters")
	}
	checkText(p, "name", in.Name, SingleLine)
	if in.Target == "" {
		p.Add("target", "is required")
	} else if err := CheckText(in.Target, SingleLine); err != nil {
		p.Add("target", "%s", err)
	} else if _, f, problem := ProbeHost(in.Kind, in.Target); problem != "" {
		p.Add(f, "%s", problem)
	}
	if in.Interval < MinProbeInterval || in.Interval > MaxProbeInterval {
		p.Add("interval", "must be from %s to %s", MinProbeInterval, MaxProbeInterval)
	}
	if in.Timeout <= 0 || in.Timeout > MaxProbeTimeout || in.Timeout > in.Interval {
		p.Add("timeout", "must be more than 0, at most %s and at most the interval", MaxProbeTimeout)
	}
	if in.FailAfter < 1 || in.FailAfter > MaxProbeThreshold {
		p.Add("fail_after", "must be from 1 to %d", MaxProbeThreshold)
	}
	if in.RecoverAfter < 1 || in.RecoverAfter > MaxProbeThreshold {
		p.Add("recover_after", "must be from 1 to %d", MaxProbeThreshold)
	}
	if !SignalStatus(in.Status) {
		p.Add("status", "must be one of %s", JoinNames(SignalStatuses))
	}
	if in.Kind == ProbeHTTP {
		if !slices.Contains(probeMethods, in.Method) {
			p.Add("method", "must be one of %s", strings.Join(probeMethods, ", "))
		}
		if in.ExpectStatus != 0 && (in.ExpectStatus < 100 || in.ExpectStatus > 599) {
			p.Add("expect_status", "must be an HTTP status from 100 to 599, or 0 for any 2xx or 3xx")
		}
		if utf8.RuneCountInString(in.BodyContains) > 1000 {
			p.Add("body_contains", "must be at most 1000 characters")
		}
		checkText(p, "body_contains", in.BodyContains, MultiLine)
		if in.BodyContains != "" && in.Method == "HEAD" {
			p.Add("body_contains", "needs a method that returns a body")
		}
		if in.CertMinDays < 0 || in.CertMinDays > 365 {
			p.Add("cert_min_days", "must be from 0 to 365")
		} else if in.CertMinDays > 0 && !strings.HasPrefix(strings.ToLower(in.Target), "https://") {
			p.Add("cert_min_days", "needs an https:// target")
		}
	} else if in.Method != "" || in.ExpectStatus != 0 || in.BodyContains != "" || in.CertMinDays != 0 {
		p.Add("kind", "method, expect_status, body_contains and cert_min_days are for http probes only")
	}
	return p.Err()
}

func (in ProbeInput) apply(p *Probe) {
	p.Name, p.Kind, p.Target, p.Method = in.Name, in.Kind, in.Target, in.Method
	p.ExpectStatus, p.BodyContains, p.CertMinDays = in.ExpectStatus, in.BodyContains, in.CertMinDays
	p.Timeout, p.Interval, p.FailAfter, p.RecoverAfter, p.Status = in.Timeout, in.Interval, in.FailAfter, in.RecoverAfter, in.Status
	p.Enabled = in.Enabled == nil || *in.Enabled
}

// Probes returns the probes of a component ("": every component).
func (s *Service) Probes(ctx context.Context, componentID string) ([]Probe, error) {
	var out []Probe
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Probes(componentID)
		return err
	})
	return out, err
}

// CreateProbe adds a probe to a component. Its first run comes at a random moment within
// its interval, so probes created together do not all run on the same tick.
func (s *Service) CreateProbe(ctx context.Context, op Op, componentID string, in ProbeInput) (*Probe, error) {
	if err := validateProbe(&in); err != nil {
		return nil, err
	}
	p := &Probe{ID: NewID(), ComponentID: componentID}
	in.apply(p)
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		p.CreatedAt, p.UpdatedAt = now, now
		p.NextRunAt = now.Add(rand.N(p.Interval))
		if err := tx.PutProbe(p); err != nil {
			return change{}, err
		}
		return change{resource: p.ID, audit: &AuditEntry{Action: "probe.create", Target: p.ID,
			Detail: componentID + ": " + p.Label()}}, nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UpdateProbe replaces a probe's configuration, keeping its results; a probe disabled while
// failing resolves its signal, since nothing would ever resolve it otherwise.
func (s *Service) UpdateProbe(ctx context.Context, op Op, id string, in ProbeInput) (*Probe, error) {
	if err := validateProbe(&in); err != nil {
		return nil, err
	}
	var p *Probe
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		var err error
		if p, err = tx.Probe(id); err != nil {
			return change{}, err
		}
		in.apply(p)
		p.UpdatedAt = now
		if next := now.Add(p.Interval); p.NextRunAt.After(next) {
			p.NextRunAt = next // a shorter interval takes effect now
		}
		changed := false
		if !p.Enabled && p.Failing {
			p.Failing, p.Failures, p.FailingSince = false, 0, time.Time{}
			if changed, err = s.probeSignal(tx, op.Actor, p, false, "disabled", now); err != nil {
				return change{}, err
			}
		}
		if err := tx.PutProbe(p); err != nil {
			return change{}, err
		}
		return change{kind: "component", id: p.ComponentID, public: changed, resource: p.ID,
			audit: &AuditEntry{Action: "probe.update", Target: p.ID, Detail: p.ComponentID + ": " + p.Label()}}, nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProbe deletes a probe, resolving its signal if it was failing.
func (s *Service) DeleteProbe(ctx context.Context, op Op, id string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		p, err := tx.Probe(id)
		if err != nil {
			return change{}, err
		}
		changed := false
		if p.Failing {
			if changed, err = s.probeSignal(tx, op.Actor, p, false, "deleted", now); err != nil {
				return change{}, err
			}
		}
		if err := tx.DeleteProbe(id); err != nil {
			return change{}, err
		}
		return change{kind: "component", id: p.ComponentID, public: changed,
			audit: &AuditEntry{Action: "probe.delete", Target: id, Detail: p.ComponentID + ": " + p.Label()}}, nil
	})
}

// probeSignal reports a probe's signal firing or resolved; it takes effect at once (the
// probe's thresholds were its damping). It reports whether a component's status changed.
func (s *Service) probeSignal(tx Tx, actor Actor, p *Probe, firing bool, why string, now time.Time) (bool, error) {
	in := SignalInput{Key: p.SignalKey(), Component: p.ComponentID, Status: p.Status, Source: "probe",
		Summary: p.Label() + ": " + why, Resolved: !firing, StartedAt: p.FailingSince}
	if f, problem := checkSignal(&in); problem != "" {
		return false, fmt.Errorf("probe %s signal: %s %s", p.ID, f, problem)
	}
	o, changed, err := s.reportSignal(newHolders(tx), actor, in, now)
	if err != nil {
		return false, err
	}
	if o.Result == SignalIgnored {
		return false, fmt.Errorf("probe %s signal: %s %s", p.ID, o.Field, o.Problem)
	}
	return changed, nil
}

// ClaimProbes returns up to limit probes due now and moves each one's next run an interval
// on, in one write: with several replicas each probe is claimed once per interval, whoever
// runs the job. A run missed while Candor was down is not repeated: the next one is an
// interval from now.
func (s *Service) ClaimProbes(ctx context.Context, limit int) ([]Probe, error) {
	var due []Probe
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		var err error
		if due, err = tx.DueProbes(now, limit); err != nil {
			return err
		}
		for i := range due {
			p := due[i]
			if p.NextRunAt = p.NextRunAt.Add(p.Interval); !p.NextRunAt.After(now) {
				p.NextRunAt = now.Add(p.Interval)
			}
			if err := tx.PutProbe(&p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due probes: %w", err)
	}
	return due, nil
}

// RecordProbeResults stores a batch of checks in one transaction: each probe's streak, its
// per-minute roll-up, and — after exactly FailAfter consecutive failures or RecoverAfter
// consecutive successes — its signal, which moves the component at once. It returns how
// many probes changed state (failing or recovered).
func (s *Service) RecordProbeResults(ctx context.Context, results []ProbeResult) (int, error) {
	if len(results) == 0 {
		return 0, nil
	}
	transitions := 0
	err := s.write(ctx, Op{Actor: System}, func(tx Tx, now time.Time) (change, error) {
		changed := false
		var minutes []ProbeMinute
		for _, r := range results {
			p, err := tx.Probe(r.ProbeID)
			if ErrorCode(err) == ENOTFOUND {
				continue // deleted while it ran
			} else if err != nil {
				return change{}, err
			}
			lat := r.Latency
			m := ProbeMinute{ComponentID: p.ComponentID, Minute: r.At.UTC().Truncate(time.Minute), Checks: 1,
				LatencySum: lat, LatencyMax: lat}
			if !r.OK {
				m.Failures = 1
			}
			minutes = append(minutes, m)
			if !p.Enabled {
				continue
			}
			var fire, recover bool
			if r.OK {
				p.Successes, p.Failures = p.Successes+1, 0
				recover = p.Failing && p.Successes >= p.RecoverAfter
				if !p.Failing || recover {
					p.FailingSince = time.Time{}
				}
			} else {
				if p.Failures == 0 && !p.Failing {
					p.FailingSince = r.At
				}
				p.Failures, p.Successes = p.Failures+1, 0
				fire = !p.Failing && p.Failures >= p.FailAfter
			}
			p.LastRunAt, p.LastOK, p.LastError, p.LastLatency, p.UpdatedAt = r.At, r.OK, r.Error, lat, now
			if fire || recover {
				transitions++
				p.Failing = fire
				why := r.Error
				if recover {
					why = fmt.Sprintf("%d checks in a row succeeded", p.RecoverAfter)
				}
				c, err := s.probeSignal(tx, System, p, fire, why, now)
				if err != nil {
					return change{}, err
				}
				changed = changed || c
			}
			if err := tx.PutProbe(p); err != nil {
				return change{}, err
			}
		}
		if err := tx.AddProbeMinutes(minutes); err != nil {
			return change{}, err
		}
		return change{kind: "component", public: changed}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("record probe results: %w", err)
	}
	return transitions, nil
}

// SweepProbeMinutes forgets per-minute results older than ProbeRetention.
func (s *Service) SweepProbeMinutes(ctx context.Context) (int, error) {
	var n int
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteProbeMinutesBefore(s.now().Add(-ProbeRetention))
		return err
	})
	return n, err
}
