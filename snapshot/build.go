package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Config describes the page.
type Config struct {
	PageID   string
	PageName lang.Text
	// DefaultLang is the language a staff text falls back to when it has none in the
	// reader's (and the language of pages asked for in none).
	DefaultLang lang.Lang
	PublicURL   string // absolute, without trailing slash
	Location    *time.Location
	// UptimeDays is how many days the uptime bars cover.
	UptimeDays int
	// HistoryPerPage is how many incidents a history page lists.
	HistoryPerPage int
	// RecentDays is how far back the home page lists resolved incidents.
	RecentDays int
	// PublicWebhooks links the subscribe form to the webhook form (set while mail is
	// configured; it is fixed for the process, so no memo key names it).
	PublicWebhooks bool
}

func (c *Config) defaults() {
	if c.Location == nil {
		c.Location = time.UTC
	}
	if !c.DefaultLang.Valid() {
		c.DefaultLang = lang.Korean
	}
	if c.UptimeDays <= 0 {
		c.UptimeDays = 90
	}
	if c.HistoryPerPage <= 0 {
		c.HistoryPerPage = 20
	}
	if c.RecentDays <= 0 {
		c.RecentDays = 7
	}
}

// Builder renders snapshots from the store.
type Builder struct {
	cfg    Config
	store  status.Store
	assets *static.Assets
	est    status.Estimator // nil: only staff-announced times are shown
	// last is the latest snapshot built: its documents are reused where unchanged.
	last atomic.Pointer[Snapshot]
	// lastState is the latest state read, rendered again at a later time while the store
	// cannot be read, so time-dependent wording never goes stale with it.
	lastState atomic.Pointer[state]

	// mu serialises builds; it guards what a build hands the next (memo.go).
	mu sync.Mutex
	// memo is the key each document of the last snapshot was rendered under.
	memo map[docKey]memoEntry
	// seq numbers record versions (memo.go).
	seq uint64
	// rows are the home page's component rows of the last build; nextRows those of the
	// build under way (views.go).
	rows, nextRows map[rowKey]rowEntry
	// comps is /api/v2's component list per language as the last build encoded it
	// (v2.go).
	comps map[lang.Lang]componentsEntry
}

// SetEstimator makes pages and JSON show the model's restoration range. Call it before
// the first Build.
func (b *Builder) SetEstimator(e status.Estimator) { b.est = &guarded{Estimator: e} }

// Estimator is the estimator pages show ranges from (nil: none).
func (b *Builder) Estimator() status.Estimator { return b.est }

// NewBuilder returns a Builder.
func NewBuilder(cfg Config, store status.Store, assets *static.Assets) *Builder {
	cfg.defaults()
	return &Builder{cfg: cfg, store: store, assets: assets}
}

// Config returns the page configuration.
func (b *Builder) Config() Config { return b.cfg }

// state is everything the public surface shows, read in one transaction.
type state struct {
	rev         int64
	groups      []status.Group
	comps       []status.Component
	incidents   []status.Incident             // newest start first
	maints      []status.Maintenance          // latest scheduled start first, cancelled ones left out
	postmortems map[string]*status.Postmortem // published ones, by incident id
	pmList      []status.Postmortem           // the published ones, as the store lists them
	names       map[string]lang.Text          // component id → name, including components since deleted
	sparks      map[string]*templates.Spark   // component id → its sparkline, for those that opted in
	loadedAt    time.Time                     // when it was read
	staleSince  time.Time                     // set when the store failed and this is the last state read
	ver         stateVersions                 // the versions of its records (memo.go)
	compIndex   map[string]int                // component id → its index in comps
}

// comp returns the component with id, nil when there is none.
func (st *state) comp(id string) *status.Component {
	if i, ok := st.compIndex[id]; ok {
		return &st.comps[i]
	}
	return nil
}

func (b *Builder) load(ctx context.Context, now time.Time) (*state, error) {
	st := &state{}
	err := b.store.Read(ctx, func(tx status.Tx) error {
		var err error
		if st.rev, err = tx.Revision(); err != nil {
			return err
		}
		if st.groups, err = tx.Groups(); err != nil {
			return err
		}
		if st.comps, err = tx.Components(); err != nil {
			return err
		}
		if st.incidents, err = b.loadIncidents(tx, st.rev); err != nil {
			return err
		}
		st.maints, err = tx.Maintenances(status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{
			status.MaintScheduled, status.MaintInProgress, status.MaintVerifying, status.MaintCompleted}})
		if err != nil {
			return err
		}
		if st.sparks, err = loadSparks(tx, now); err != nil {
			return err
		}
		pms, err := tx.Postmortems()
		for i := range pms {
			if !pms[i].PublishedAt.IsZero() {
				st.pmList = append(st.pmList, pms[i])
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load public state: %w", err)
	}
	st.postmortems = make(map[string]*status.Postmortem, len(st.pmList))
	for i := range st.pmList {
		st.postmortems[st.pmList[i].IncidentID] = &st.pmList[i]
	}
	st.names = map[string]lang.Text{}
	for i := len(st.incidents) - 1; i >= 0; i-- { // oldest first, so newer names win
		for _, u := range st.incidents[i].Updates {
			for _, ch := range u.Components {
				if !ch.Name.IsZero() {
					st.names[ch.ComponentID] = ch.Name
				}
			}
		}
	}
	st.compIndex = make(map[string]int, len(st.comps))
	for i, c := range st.comps {
		st.names[c.ID] = c.Name
		st.compIndex[c.ID] = i
	}
	return st, nil
}

// loadIncidents reads every incident: the last build's copy brought up to date with those
// written since its revision, or, on a first build or when the counts disagree, all of
// them.
func (b *Builder) loadIncidents(tx status.Tx, rev int64) ([]status.Incident, error) {
	prev := b.lastState.Load()
	if prev == nil || prev.rev > rev { // a store restored to an older state: read it all
		return tx.Incidents(status.IncidentFilter{})
	}
	changed, ok, err := changedSince(tx, prev)
	if err != nil || !ok {
		if err == nil {
			return tx.Incidents(status.IncidentFilter{})
		}
		return nil, err
	}
	n, err := tx.CountIncidents(status.IncidentFilter{})
	if err != nil {
		return nil, err
	}
	incs := mergeIncidents(prev.incidents, changed)
	if len(incs) != n { // incidents are never deleted; should one be, read them all
		return tx.Incidents(status.IncidentFilter{})
	}
	return incs, nil
}

// changedSince returns the incidents written since prev was read, with their whole
// timelines, reading of each only the entries prev does not have (Tx.IncidentTailsSince):
// an outage whose incidents have thousands of entries costs a rebuild the new ones, not
// all of them again (issue 18). It reads from the last entry prev has, and reports false
// when that entry is no longer where prev had it — which an append-only timeline never
// does — so the caller reads everything again rather than trust a copy that diverged.
func changedSince(tx status.Tx, prev *state) ([]status.Incident, bool, error) {
	have := make(map[string]*status.Incident, len(prev.incidents))
	from := make(map[string]int, len(prev.incidents))
	for i := range prev.incidents {
		inc := &prev.incidents[i]
		have[inc.ID] = inc
		if len(inc.Updates) > 0 {
			from[inc.ID] = len(inc.Updates) - 1 // one entry of overlap, to check
		}
	}
	tails, err := tx.IncidentTailsSince(prev.rev, from)
	if err != nil {
		return nil, false, err
	}
	out := make([]status.Incident, 0, len(tails))
	for _, tl := range tails {
		inc := tl.Incident
		if tl.From > 0 {
			old := have[inc.ID]
			if old == nil || len(inc.Updates) == 0 || inc.Updates[0].ID != old.Updates[tl.From].ID {
				return nil, false, nil
			}
			ups := make([]status.Update, 0, tl.From+len(inc.Updates))
			ups = append(ups, old.Updates[:tl.From]...)
			inc.Updates = append(ups, inc.Updates...)
		}
		out = append(out, inc)
	}
	return out, true, nil
}

// mergeIncidents returns old with changed in place of the incidents with their ids, in
// the store's order: newest start first, ties by id (bytes). old is not modified.
func mergeIncidents(old, changed []status.Incident) []status.Incident {
	if len(changed) == 0 {
		return old
	}
	byID := make(map[string]*status.Incident, len(changed))
	for i := range changed {
		byID[changed[i].ID] = &changed[i]
	}
	out := make([]status.Incident, 0, len(old)+len(changed))
	for i := range old {
		if c, ok := byID[old[i].ID]; ok {
			out = append(out, *c)
			delete(byID, old[i].ID)
			continue
		}
		out = append(out, old[i])
	}
	for i := range changed {
		if _, ok := byID[changed[i].ID]; ok {
			out = append(out, changed[i])
		}
	}
	slices.SortStableFunc(out, func(a, b status.Incident) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Build reads the store once and renders every public document at time now.
//
// When the store cannot be read but an earlier Build succeeded, Build renders the last
// state read at now — pages then say since when they could not be refreshed, and no
// passed time is shown as upcoming — and returns that snapshot together with the error.
func (b *Builder) Build(ctx context.Context, now time.Time) (*Snapshot, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextRows = map[rowKey]rowEntry{}
	st, loadErr := b.load(ctx, now)
	if loadErr == nil {
		b.number(st, b.lastState.Load())
	}
	if loadErr != nil {
		last := b.lastState.Load()
		if last == nil {
			return nil, loadErr
		}
		stale := *last
		stale.staleSince = last.loadedAt
		st = &stale
	} else {
		st.loadedAt = now
		b.lastState.Store(st)
	}
	snap := &Snapshot{Revision: st.rev, Built: now, docs: map[docKey]*Doc{}, prev: b.last.Load(), memo: map[docKey]memoEntry{}}
	modified := b.lastModified(st)
	ups := b.uptimes(st, now) // the same in every language
	for _, lang := range templates.Langs {
		if err := b.renderPages(ctx, snap, st, lang, now, modified, ups); err != nil {
			return nil, err
		}
	}
	for _, l := range templates.Langs {
		if err := b.renderJSON(snap, st, now, modified, l); err != nil {
			return nil, err
		}
	}
	for _, lang := range templates.Langs {
		var feed []byte
		err := safely(func() (err error) { feed, err = b.atom(st, lang, now); return err })
		if err != nil {
			snap.renderedAround(string(lang), "/history.atom", err)
			continue
		}
		snap.put(string(lang), "/history.atom", "application/atom+xml; charset=utf-8", feed, modified, http.StatusOK)
	}
	if g, ok := b.est.(*guarded); ok {
		for _, p := range g.drain() {
			snap.problem(p)
		}
	}
	snap.prev = nil // keep one snapshot alive, not the chain
	b.memo, snap.memo = snap.memo, nil
	b.rows, b.nextRows = b.nextRows, nil
	b.last.Store(snap)
	return snap, loadErr
}

func (b *Builder) lastModified(st *state) time.Time {
	var t time.Time
	for _, c := range st.comps {
		if c.UpdatedAt.After(t) {
			t = c.UpdatedAt
		}
	}
	for _, inc := range st.incidents {
		if inc.UpdatedAt.After(t) {
			t = inc.UpdatedAt
		}
	}
	for _, m := range st.maints {
		if m.UpdatedAt.After(t) {
			t = m.UpdatedAt
		}
	}
	return t
}

// pageName is the page's name in l.
func (b *Builder) pageName(l lang.Lang) string {
	s, _ := b.cfg.PageName.Pick(l, b.cfg.DefaultLang)
	return s
}

func (b *Builder) page(l lang.Lang, path, query, title string, now time.Time, st *state) templates.Page {
	p := templates.Page{Lang: l, DefaultLang: b.cfg.DefaultLang, Name: b.pageName(l), PublicURL: b.cfg.PublicURL, Location: b.cfg.Location,
		Path: path, Query: query, Now: now, Revision: st.rev, Title: title, StaleSince: st.staleSince, Webhooks: b.cfg.PublicWebhooks}
	if b.assets != nil {
		p.CSSURL = b.assets.URL("app.css")
		p.JSURL = b.assets.URL("live.js")
	}
	return p
}

// render renders c into a buffer of size bytes to begin with: the size of the document's
// last version, so a page of megabytes is not copied over and over as it grows.
func render(ctx context.Context, c templ.Component, size int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(size + size/8)
	if err := c.Render(ctx, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const htmlType = "text/html; charset=utf-8"

func (b *Builder) renderPages(ctx context.Context, snap *Snapshot, st *state, lang templates.Lang, now, modified time.Time,
	ups map[string]status.ComponentUptime) error {
	// put renders the page at path unless the previous build rendered it under the same
	// memo key mkey ("" when the page must be rendered every time: see memo.go).
	put := func(path, mkey string, c func() templ.Component, status int) error {
		key := docKey{string(lang), path}
		if b.memoized(snap, key, mkey) {
			return nil
		}
		var body []byte
		size := 0
		if prev := snap.previous(key); prev != nil {
			size = len(prev.Body)
		}
		err := safely(func() (err error) { body, err = render(ctx, c(), size); return err })
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("render %s (%s): %w", path, lang, err)
			}
			snap.renderedAround(string(lang), path, err)
			return nil
		}
		snap.putPage(string(lang), path, body, st.rev, modified, status)
		snap.remember(key, mkey)
		return nil
	}
	pageKey := b.pageKey(st, now)
	if err := put("/", "", func() templ.Component { return templates.HomePage(b.homeView(st, lang, now, ups)) }, 200); err != nil {
		return err
	}
	for i := range st.incidents {
		inc := &st.incidents[i]
		var k keyBuilder
		if !inc.Open() { // an open incident's page follows the clock (its ETA, how long it lasts)
			k.str(pageKey)
			k.ver("incident", st.ver.incidents[inc.ID])
			k.ver("names", st.ver.names)
			if pm := st.postmortems[inc.ID]; pm != nil {
				k.ver("postmortem", st.ver.postmortems[inc.ID])
			}
		}
		page := func() templ.Component {
			title, _ := inc.Title.Pick(lang, b.cfg.DefaultLang)
			return templates.IncidentPage(templates.IncidentView{Page: b.page(lang, "/incidents/"+inc.ID, "", title, now, st),
				IncidentSummary: b.summary(inc, st, now, lang), Postmortem: st.postmortems[inc.ID]})
		}
		if err := put("/incidents/"+inc.ID, k.String(), page, 200); err != nil {
			return err
		}
	}
	for i := range st.maints {
		m := &st.maints[i]
		var k keyBuilder
		if m.Status == status.MaintCompleted { // others say when they start or end
			k.str(pageKey)
			k.ver("maintenance", st.ver.maints[m.ID])
			k.ver("names", st.ver.names)
		}
		page := func() templ.Component {
			title, _ := m.Title.Pick(lang, b.cfg.DefaultLang)
			return templates.MaintenancePage(templates.MaintenancePageView{Page: b.page(lang, "/maintenances/"+m.ID, "", title, now, st),
				MaintenanceView: templates.MaintenanceView{Maintenance: *m, ComponentNames: st.names}})
		}
		if err := put("/maintenances/"+m.ID, k.String(), page, 200); err != nil {
			return err
		}
	}
	pages := max(1, (len(st.incidents)+b.cfg.HistoryPerPage-1)/b.cfg.HistoryPerPage)
	for n := 1; n <= pages; n++ {
		path, query := "/history", ""
		if n > 1 {
			query = "page=" + strconv.Itoa(n)
		}
		key := path
		if query != "" {
			key += "?" + query
		}
		lo := (n - 1) * b.cfg.HistoryPerPage
		hi := min(len(st.incidents), lo+b.cfg.HistoryPerPage)
		var k keyBuilder
		k.str(pageKey)
		k.ver("of", uint64(pages))
		k.ver("names", st.ver.names)
		for i := lo; i < hi; i++ {
			inc := &st.incidents[i]
			if inc.Open() {
				k.Reset()
				break
			}
			k.ver(inc.ID, st.ver.incidents[inc.ID])
		}
		page := func() templ.Component { return templates.HistoryPage(b.historyView(st, lang, now, n, pages, query)) }
		if err := put(key, k.String(), page, 200); err != nil {
			return err
		}
	}
	nf := func() templ.Component {
		return templates.ErrorPage(templates.ErrorView{Page: b.page(lang, "/404", "", templates.T(lang, "error.notfound.title"), now, st), Code: 404,
			Heading: templates.T(lang, "error.notfound.title"), Message: templates.T(lang, "error.notfound.message")})
	}
	return put("/404", pageKey, nf, 404)
}
