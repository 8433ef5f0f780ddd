package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

// The staff API for email subscribers (admin scope): list, add (confirmed on staff's
// word, audited), remove, import a CSV, and count per component.

type subscriberJSON struct {
	ID          string   `json:"id"`
	Email       string   `json:"email"`
	Lang        string   `json:"lang"`
	Components  []string `json:"components"`
	ConfirmedAt *string  `json:"confirmed_at"`
	Bounces     int      `json:"bounces"`
	LastBounce  string   `json:"last_bounce"`
	AddedBy     string   `json:"added_by"`
	CreatedAt   string   `json:"created_at"`
}

func toSubscriberJSON(s status.Subscriber) subscriberJSON {
	comps := s.Components
	if comps == nil {
		comps = []string{}
	}
	return subscriberJSON{ID: s.ID, Email: s.Email, Lang: s.Lang, Components: comps, ConfirmedAt: tsPtr(s.ConfirmedAt),
		Bounces: s.Bounces, LastBounce: s.LastBounce, AddedBy: s.AddedBy, CreatedAt: ts(s.CreatedAt)}
}

// maxSubscriberPage bounds one page of the list.
const maxSubscriberPage = 1000

func (s *server) listSubscribers(c echo.Context) error {
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSubscriberPage {
			return badRequest("limit must be a number from 1 to 1000.")
		}
		limit = n
	}
	bouncing := false
	switch c.QueryParam("bouncing") {
	case "", "false":
	case "true":
		bouncing = true
	default:
		return badRequest("bouncing must be true or false.")
	}
	subs, err := s.Service.Subscribers(c.Request().Context(), status.SubscriberFilter{After: c.QueryParam("after"), Limit: limit, Bouncing: bouncing})
	if err != nil {
		return err
	}
	out := make([]subscriberJSON, 0, len(subs))
	for _, sub := range subs {
		out = append(out, toSubscriberJSON(sub))
	}
	next := ""
	if len(subs) == limit {
		next = subs[len(subs)-1].ID
	}
	return c.JSON(http.StatusOK, map[string]any{"subscribers": out, "next": next})
}

func (s *server) addSubscriber(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req struct {
		Email      string   `json:"email"`
		Lang       string   `json:"lang"`
		Components []string `json:"components"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	sub, err := s.Service.AddSubscriber(c.Request().Context(), s.op(c), status.SubscribeInput{Email: req.Email, Lang: req.Lang, Components: req.Components})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSubscriberJSON(*sub))
}

func (s *server) removeSubscriber(c echo.Context) error {
	if err := s.Service.RemoveSubscriber(c.Request().Context(), s.op(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) subscriberCounts(c echo.Context) error {
	counts, err := s.Service.SubscriberCounts(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(counts))
	for _, n := range counts {
		out = append(out, map[string]any{"component_id": n.ComponentID, "count": n.Count})
	}
	return c.JSON(http.StatusOK, map[string]any{"counts": out})
}

// importSubscribers reads a CSV of email,lang,components (components separated by spaces
// or semicolons; empty: everything), with or without a header row.
func (s *server) importSubscribers(c echo.Context) error {
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != "text/csv" {
		return badRequest("Send the addresses as CSV, with Content-Type: text/csv.")
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	rows, err := parseSubscriberCSV(body)
	if err != nil {
		return err
	}
	res, err := s.Service.ImportSubscribers(c.Request().Context(), s.op(c), rows)
	if err != nil {
		return err
	}
	problems := make([]map[string]any, 0, len(res.Problems))
	for i := 1; i <= len(rows); i++ {
		if p, ok := res.Problems[i]; ok {
			problems = append(problems, map[string]any{"row": i, "message": p})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"added": res.Added, "existing": res.Existing, "problems": problems})
}

func parseSubscriberCSV(body []byte) ([]status.SubscribeInput, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var rows []status.SubscribeInput
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badRequest("The CSV is malformed: " + err.Error())
		}
		if n == 1 && len(rec) > 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "email") {
			continue // a header row
		}
		if len(rec) == 0 || len(rec) > 3 {
			return nil, badRequest("Each CSV row is email,lang,components (row " + strconv.Itoa(n) + ").")
		}
		in := status.SubscribeInput{Email: rec[0], Lang: "ko"}
		if len(rec) > 1 && strings.TrimSpace(rec[1]) != "" {
			in.Lang = strings.TrimSpace(rec[1])
		}
		if len(rec) > 2 {
			in.Components = strings.FieldsFunc(rec[2], func(r rune) bool { return r == ' ' || r == ';' })
		}
		rows = append(rows, in)
	}
	if len(rows) == 0 {
		return nil, badRequest("The CSV has no rows.")
	}
	return rows, nil
}
