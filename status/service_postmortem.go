package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/candorstatus/candor/lang"
)

// PostmortemInput writes (or rewrites) an incident's postmortem.
type PostmortemInput struct {
	Cause, Impact, Timeline lang.Text
	Actions                 []FollowUp // ID empty for new actions
	Publish                 bool       // make it public (a published one stays published)
}

// MaxFollowUps bounds a postmortem's action list.
const MaxFollowUps = 50

// SavePostmortem writes the postmortem of a resolved incident. Published postmortems appear
// on the public incident page.
func (s *Service) SavePostmortem(ctx context.Context, op Op, incidentID string, in PostmortemInput) (*Postmortem, error) {
	p := Problems{}
	for field, v := range map[string]lang.Text{"cause": in.Cause, "impact": in.Impact, "timeline": in.Timeline} {
		validateText(p, field, v, MaxMessageLen, false, MultiLine)
	}
	if in.Publish && trimText(in.Cause).IsZero() {
		p.Add("cause", "must not be empty in a published postmortem")
	}
	if len(in.Actions) > MaxFollowUps {
		p.Add("actions", "at most %d follow-up actions", MaxFollowUps)
	}
	for i, a := range in.Actions {
		f := fmt.Sprintf("actions[%d]", i)
		validateText(p, f+".title", a.Title, MaxTitleLen, true, SingleLine)
		if utf8.RuneCountInString(a.Owner) > 100 {
			p.Add(f+".owner", "must be at most 100 characters")
		}
		checkText(p, f+".owner", a.Owner, SingleLine)
		checkNotBefore2000(p, f+".due_date", a.DueDate)
		if a.State == "" {
			in.Actions[i].State = FollowUpOpen
		} else if !a.State.Valid() {
			p.Add(f+".state", "must be one of %s", joinValues(FollowUpStates))
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var pm *Postmortem
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		inc, err := tx.Incident(incidentID)
		if err != nil {
			return change{}, err
		}
		if inc.Open() {
			return change{}, Errorf(ECONFLICT, "Incident %s is not resolved yet; write the postmortem after resolution.", incidentID)
		}
		old, err := tx.Postmortem(incidentID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return change{}, err
		}
		pm = &Postmortem{IncidentID: incidentID, Cause: trimText(in.Cause), Impact: trimText(in.Impact),
			Timeline: trimText(in.Timeline), Author: op.Actor.Name, CreatedAt: now, UpdatedAt: now}
		wasPublic := false
		if old != nil {
			pm.CreatedAt, pm.PublishedAt = old.CreatedAt, old.PublishedAt
			wasPublic = !old.PublishedAt.IsZero()
		}
		if in.Publish && pm.PublishedAt.IsZero() {
			pm.PublishedAt = now
		}
		for _, a := range in.Actions {
			a.Title, a.Owner = trimText(a.Title), strings.TrimSpace(a.Owner)
			if a.ID == "" {
				a.ID = NewID()
			}
			if !a.DueDate.IsZero() {
				y, m, d := a.DueDate.Date()
				a.DueDate = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			}
			pm.Actions = append(pm.Actions, a)
		}
		if err := tx.PutPostmortem(pm); err != nil {
			return change{}, err
		}
		action := "postmortem.save"
		if !wasPublic && !pm.PublishedAt.IsZero() {
			action = "postmortem.publish"
		}
		public := !pm.PublishedAt.IsZero()
		return change{kind: "incident", id: incidentID, public: public, resource: incidentID,
			audit: &AuditEntry{Action: action, Target: incidentID}}, nil
	})
	if err != nil {
		return nil, err
	}
	return pm, nil
}

// Postmortem returns an incident's postmortem, draft or published.
func (s *Service) Postmortem(ctx context.Context, incidentID string) (*Postmortem, error) {
	var pm *Postmortem
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		pm, err = tx.Postmortem(incidentID)
		return err
	})
	return pm, err
}

// OverdueAction is a follow-up past its due date, with the incident it belongs to.
type OverdueAction struct {
	IncidentID string
	Action     FollowUp
}

// OverdueFollowUps lists follow-up actions not done by their due day, oldest due first.
func (s *Service) OverdueFollowUps(ctx context.Context) ([]OverdueAction, error) {
	var pms []Postmortem
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		pms, err = tx.Postmortems()
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []OverdueAction
	for _, pm := range pms {
		for _, a := range pm.Actions {
			if a.Overdue(now, s.loc) {
				out = append(out, OverdueAction{IncidentID: pm.IncidentID, Action: a})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b OverdueAction) int { return a.Action.DueDate.Compare(b.Action.DueDate) })
	return out, nil
}

// Templates lists the incident templates.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	var ts []Template
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		ts, err = tx.Templates()
		return err
	})
	return ts, err
}

// SaveTemplate creates (empty ID) or replaces a template.
func (s *Service) SaveTemplate(ctx context.Context, op Op, t Template) (*Template, error) {
	t.Name = strings.TrimSpace(t.Name) // else " Outage" and "outage" would be two templates
	p := Problems{}
	validateName(p, "name", t.Name, 100)
	if !t.Cause.Valid() {
		p.Add("cause", "must be one of %s", joinValues(Causes))
	}
	if t.Impact != "" && !t.Impact.Valid() {
		p.Add("impact", "must be one of %s", joinValues(Impacts))
	}
	validateText(p, "title", t.Title, MaxTitleLen, true, SingleLine)
	validateText(p, "message", t.Message, MaxMessageLen, true, MultiLine)
	t.Title, t.Message = trimText(t.Title), trimText(t.Message)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if t.ID == "" {
		t.ID = NewID()
	}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		t.CreatedAt, t.UpdatedAt = now, now
		if err := tx.PutTemplate(&t); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return change{}, &Error{Code: ECONFLICT, Message: "A template named " + t.Name + " already exists.",
					Fields: map[string]string{"name": "already taken"}}
			}
			return change{}, err
		}
		return change{resource: t.ID, audit: &AuditEntry{Action: "template.save", Target: t.Name}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteTemplate deletes a template.
func (s *Service) DeleteTemplate(ctx context.Context, op Op, id string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if err := tx.DeleteTemplate(id); err != nil {
			return change{}, err
		}
		return change{audit: &AuditEntry{Action: "template.delete", Target: id}}, nil
	})
}

// DefaultTemplates are the starting texts for the typical causes; staff edit them in the
// console. SeedTemplates installs them when there are none.
var DefaultTemplates = []Template{
	{Name: "Power failure", Cause: CausePower, Impact: ImpactCritical,
		Title: lang.Text{KO: "데이터센터 전원 장애", EN: "Power failure at a data centre"},
		Message: lang.Text{
			KO: "데이터센터 전원 장애로 일부 기능을 이용하기 어렵습니다. 예비 설비로 복구하고 있습니다.",
			EN: "A power failure at a data centre affects some features. We are recovering on backup systems."}},
	{Name: "Network problem", Cause: CauseNetwork, Impact: ImpactMajor,
		Title: lang.Text{KO: "네트워크 장애", EN: "Network problems"},
		Message: lang.Text{
			KO: "네트워크 문제로 접속이 원활하지 않습니다. 원인을 확인하고 있습니다.",
			EN: "Network problems make connections unreliable. We are investigating."}},
	{Name: "Faulty deploy", Cause: CauseDeploy, Impact: ImpactMinor,
		Title: lang.Text{KO: "업데이트 이후 오류", EN: "Errors after an update"},
		Message: lang.Text{
			KO: "최근 업데이트 이후 일부 기능에서 오류가 발생하고 있습니다. 이전 버전으로 되돌리고 있습니다.",
			EN: "Some features show errors after a recent update. We are rolling it back."}},
	{Name: "Database problem", Cause: CauseDatabase, Impact: ImpactMajor,
		Title: lang.Text{KO: "데이터베이스 장애", EN: "Database problems"},
		Message: lang.Text{
			KO: "데이터베이스 문제로 일부 요청이 실패하고 있습니다. 복구 중입니다.",
			EN: "A database problem makes some requests fail. Recovery is under way."}},
	{Name: "Capacity shortage", Cause: CauseCapacity, Impact: ImpactMinor,
		Title: lang.Text{KO: "접속 지연", EN: "Slow responses"},
		Message: lang.Text{
			KO: "이용자 증가로 응답이 느려지고 있습니다. 서버를 증설하고 있습니다.",
			EN: "High demand slows responses. We are adding capacity."}},
	{Name: "Third-party outage", Cause: CauseThirdParty, Impact: ImpactMinor,
		Title: lang.Text{KO: "제휴사 장애", EN: "Partner outage"},
		Message: lang.Text{
			KO: "제휴사 시스템 장애로 일부 기능이 지연되고 있습니다. 제휴사와 함께 조치하고 있습니다.",
			EN: "A partner's outage delays some features. We are working with them on it."}},
}

// SeedTemplates installs DefaultTemplates when no template exists yet.
func (s *Service) SeedTemplates(ctx context.Context) error {
	ts, err := s.Templates(ctx)
	if err != nil || len(ts) > 0 {
		return err
	}
	for _, t := range DefaultTemplates {
		if _, err := s.SaveTemplate(ctx, Op{Actor: System}, t); err != nil {
			return fmt.Errorf("seed template %s: %w", t.Name, err)
		}
	}
	return nil
}
