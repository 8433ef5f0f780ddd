package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

type postmortemRequest struct {
	Cause      string `form:"cause"`
	CauseKO    string `form:"cause_ko"`
	CauseEN    string `form:"cause_en"`
	Impact     string `form:"impact"`
	ImpactKO   string `form:"impact_ko"`
	ImpactEN   string `form:"impact_en"`
	Timeline   string `form:"timeline"`
	TimelineKO string `form:"timeline_ko"`
	TimelineEN string `form:"timeline_en"`
	Publish    string `form:"publish"`
}

func (r postmortemRequest) form() templates.PostmortemForm {
	return templates.PostmortemForm{Cause: pair(r.Cause, r.CauseKO, r.CauseEN), Impact: pair(r.Impact, r.ImpactKO, r.ImpactEN),
		Timeline: pair(r.Timeline, r.TimelineKO, r.TimelineEN), Publish: checked(r.Publish)}
}

// blankActionRows is how many empty follow-up rows the form offers, so actions can be added
// without JavaScript; rows left empty are ignored.
const blankActionRows = 3

// actionProblem matches the service's per-action field names, "actions[2].title" (or
// "actions[2].title.en" for one language); rowProblem the form's, "actions.2.due".
var (
	actionProblem = regexp.MustCompile(`^actions\[(\d+)\]\.(\w+)(?:\.\w+)?$`)
	rowProblem    = regexp.MustCompile(`^actions\.(\d+)\.(\w+)$`)
)

func (s *console) postmortemView(c echo.Context) (templates.PostmortemView, error) {
	ctx := c.Request().Context()
	id := c.Param("id")
	inc, err := s.Service.Incident(ctx, id)
	if err != nil {
		return templates.PostmortemView{}, err
	}
	v := templates.PostmortemView{ConsolePage: s.page(c, "Postmortem: "+consoleText(inc.Title), "incidents"), Incident: *inc}
	pm, err := s.Service.Postmortem(ctx, id)
	switch {
	case status.ErrorCode(err) == status.ENOTFOUND:
	case err != nil:
		return v, err
	default:
		v.PublishedAt = pm.PublishedAt
		v.Form = templates.PostmortemForm{Cause: pm.Cause, Impact: pm.Impact, Timeline: pm.Timeline}
		for _, a := range pm.Actions {
			row := templates.ActionRow{ID: a.ID, Title: a.Title, Owner: a.Owner, State: string(a.State)}
			if !a.DueDate.IsZero() {
				row.Due = a.DueDate.Format(time.DateOnly)
			}
			v.Form.Actions = append(v.Form.Actions, row)
		}
	}
	return v, nil
}

// withBlankRows appends the empty rows the form always offers.
func withBlankRows(rows []templates.ActionRow) []templates.ActionRow {
	for range blankActionRows {
		rows = append(rows, templates.ActionRow{State: string(status.FollowUpOpen)})
	}
	return rows
}

func (s *console) postmortemPage(c echo.Context) error {
	v, err := s.postmortemView(c)
	if err != nil {
		return err
	}
	v.Form.Actions = withBlankRows(v.Form.Actions)
	return s.render(c, http.StatusOK, templates.PostmortemPage(v))
}

// actionRows reads the "actions.<n>.<field>" rows of the form in order.
func actionRows(c echo.Context) []templates.ActionRow {
	form, err := c.FormParams()
	if err != nil {
		return nil
	}
	var rows []templates.ActionRow
	for n := 0; n < status.MaxFollowUps+blankActionRows+1; n++ {
		get := func(f string) string { return strings.TrimSpace(form.Get(fmt.Sprintf("actions.%d.%s", n, f))) }
		_, plain := form[fmt.Sprintf("actions.%d.title", n)]
		_, ko := form[fmt.Sprintf("actions.%d.title_ko", n)]
		_, en := form[fmt.Sprintf("actions.%d.title_en", n)]
		if !plain && !ko && !en {
			break
		}
		rows = append(rows, templates.ActionRow{ID: get("id"), Title: pair(get("title"), get("title_ko"), get("title_en")), Owner: get("owner"),
			Due: get("due"), State: get("state")})
	}
	return rows
}

func (s *console) savePostmortem(c echo.Context) error {
	var req postmortemRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	rows := actionRows(c)
	p := status.Problems{}
	f := req.form()
	in := status.PostmortemInput{Cause: f.Cause, Impact: f.Impact, Timeline: f.Timeline, Publish: f.Publish}
	var rowOf []int // index in in.Actions → form row, to put the service's problems on the right row
	for n, r := range rows {
		if blankRow(r) {
			continue // a blank row
		}
		a := status.FollowUp{ID: r.ID, Title: r.Title, Owner: r.Owner, State: status.FollowUpState(r.State)}
		if r.Due != "" {
			d, err := time.Parse(time.DateOnly, r.Due)
			if err != nil {
				p.Add(fmt.Sprintf("actions.%d.due", n), "must be a date like 2026-12-01")
			}
			a.DueDate = d
		}
		in.Actions = append(in.Actions, a)
		rowOf = append(rowOf, n)
	}
	id := c.Param("id")
	var err error
	if len(p) == 0 {
		var pm *status.Postmortem
		if pm, err = s.Service.SavePostmortem(c.Request().Context(), userOp(c), id, in); err == nil {
			done := "postmortem"
			if !pm.PublishedAt.IsZero() {
				done = "published"
			}
			return redirect(c, consolePath+"/incidents/"+url.PathEscape(id)+"/postmortem", done)
		}
	}
	v, verr := s.postmortemView(c)
	if verr != nil {
		return verr
	}
	v.Form = f
	v.Form.Actions = withBlankRows(dropBlank(rows))
	return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
		v.Errors = actionErrors(v.Errors, rowOf, rows)
		return s.render(c, code, templates.PostmortemPage(v))
	})
}

// dropBlank removes empty rows so re-rendering does not pile them up.
func dropBlank(rows []templates.ActionRow) []templates.ActionRow {
	out := rows[:0:0]
	for _, r := range rows {
		if !blankRow(r) {
			out = append(out, r)
		}
	}
	return out
}

// blankRow reports whether a follow-up row was left empty.
func blankRow(r templates.ActionRow) bool {
	return r.ID == "" && r.Title.IsZero() && r.Owner == "" && r.Due == ""
}

// actionErrors moves per-action problems to the row the action is shown in once blank
// rows are dropped: the service names actions by their index in the input
// ("actions[i].title"), the form reader by form row ("actions.<n>.due").
func actionErrors(errs templates.FormErrors, rowOf []int, rows []templates.ActionRow) templates.FormErrors {
	shown := map[int]int{} // form row → row on the re-rendered form
	k := 0
	for n, r := range rows {
		if !blankRow(r) {
			shown[n] = k
			k++
		}
	}
	out := templates.FormErrors{}
	for f, msg := range errs {
		if m := actionProblem.FindStringSubmatch(f); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(rowOf) {
				out[fmt.Sprintf("actions.%d.%s", shown[rowOf[i]], m[2])] = msg
				continue
			}
		}
		if m := rowProblem.FindStringSubmatch(f); m != nil {
			n, _ := strconv.Atoi(m[1])
			out[fmt.Sprintf("actions.%d.%s", shown[n], m[2])] = msg
			continue
		}
		out[f] = msg
	}
	return out
}
