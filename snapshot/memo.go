package snapshot

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// A rebuild after one write must cost what the write changed, not what the page has
// accumulated (issue 19: two years of history are ~1 200 documents, and rendering and
// compressing all of them to find the dozen that changed took most of a rebuild). So every
// document that can be reused is rendered under a key naming everything it is made of —
// the versions of the records it shows and what it reads of the time — and a later build
// whose key for it is the same reuses the document without rendering it.
//
// A key must name every input, or a page goes stale: what a page shows of a record comes
// from the record (its version), of other records through the names of components and
// postmortems (their versions), and of the time through pageKey. Pages whose wording
// follows the clock closely — anything showing an open incident (its ETA, "ongoing for"),
// an upcoming or running maintenance, and the home page (uptime up to now) — get no key
// and are rendered at every build, as before. TestIncrementalMatchesCold compares every
// document of incremental builds with a fresh builder's after each kind of change.

// memoEntry is a document rendered under key.
type memoEntry struct {
	key string
	doc *Doc
	rec []byte // for /api/v2 record documents: the record's JSON, which lists repeat
}

// versions numbers the records of the public state: a record keeps its number while it is
// equal to the one the previous build read, and gets a new one when it differs, so a
// document's key can name a record in a few bytes.
type versions map[string]uint64

// assign returns the versions of recs: each one's previous version when the previous
// build read an equal record with its id, else a new one from next.
func assign[T any](recs []T, id func(*T) string, prev map[string]*T, prevVer versions, next *uint64) versions {
	out := make(versions, len(recs))
	for i := range recs {
		r := &recs[i]
		k := id(r)
		if old, ok := prev[k]; ok && reflect.DeepEqual(old, r) {
			if v, ok := prevVer[k]; ok {
				out[k] = v
				continue
			}
		}
		*next++
		out[k] = *next
	}
	return out
}

// index maps the records of recs by id.
func index[T any](recs []T, id func(*T) string) map[string]*T {
	out := make(map[string]*T, len(recs))
	for i := range recs {
		out[id(&recs[i])] = &recs[i]
	}
	return out
}

func incidentID(i *status.Incident) string       { return i.ID }
func componentID(c *status.Component) string     { return c.ID }
func maintenanceID(m *status.Maintenance) string { return m.ID }
func postmortemID(p *status.Postmortem) string   { return p.IncidentID }

// number sets the versions of st's records from prev's (nil: every record is new).
func (b *Builder) number(st, prev *state) {
	var (
		pIncs  map[string]*status.Incident
		pComps map[string]*status.Component
		pMaint map[string]*status.Maintenance
		pPM    map[string]*status.Postmortem
		pv     stateVersions
	)
	if prev != nil {
		pIncs, pComps = index(prev.incidents, incidentID), index(prev.comps, componentID)
		pMaint, pPM = index(prev.maints, maintenanceID), index(prev.pmList, postmortemID)
		pv = prev.ver
	}
	v := &st.ver
	v.incidents = assign(st.incidents, incidentID, pIncs, pv.incidents, &b.seq)
	v.comps = assign(st.comps, componentID, pComps, pv.comps, &b.seq)
	v.maints = assign(st.maints, maintenanceID, pMaint, pv.maints, &b.seq)
	v.postmortems = assign(st.pmList, postmortemID, pPM, pv.postmortems, &b.seq)
	v.names = pv.names
	if prev == nil || !sameNames(prev.names, st.names) {
		b.seq++
		v.names = b.seq
	}
}

// stateVersions are the versions of a state's records.
type stateVersions struct {
	incidents, comps, maints, postmortems versions
	// names is the version of the component names pages use (deleted components included).
	names uint64
}

func sameNames(a, b map[string]lang.Text) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// pageKey is what every page about the past reads of the time it is rendered at: the
// local day (times leave out the date on the current day and the year in the current
// year), the zone's name at that moment (the footer names it) and, while the store cannot
// be read, since when (the stale notice).
func (b *Builder) pageKey(st *state, now time.Time) string {
	y, m, d := now.In(b.cfg.Location).Date()
	var k strings.Builder
	k.WriteString(strconv.Itoa(y) + "-" + strconv.Itoa(int(m)) + "-" + strconv.Itoa(d))
	k.WriteString("|" + wording.ZoneLabel(b.cfg.Location, now))
	if !st.staleSince.IsZero() {
		k.WriteString("|stale " + strconv.FormatInt(st.staleSince.UnixNano(), 10))
	}
	return k.String()
}

// keyBuilder writes a document's key.
type keyBuilder struct{ strings.Builder }

func (k *keyBuilder) ver(name string, v uint64) {
	k.WriteString(name)
	k.WriteByte('=')
	k.WriteString(strconv.FormatUint(v, 10))
	k.WriteByte(';')
}

func (k *keyBuilder) str(s string) {
	k.WriteString(s)
	k.WriteByte(';')
}

// memoized returns the previous build's document at key when it was rendered under the
// same memo key, and records that this build keeps it.
func (b *Builder) memoized(snap *Snapshot, key docKey, mkey string) bool {
	if mkey == "" {
		return false
	}
	e, ok := b.memo[key]
	if !ok || e.key != mkey || snap.prev == nil || snap.prev.docs[key] != e.doc {
		return false
	}
	snap.docs[key] = e.doc
	snap.memo[key] = e
	return true
}

// remember records that the document at key was rendered under mkey ("" for none).
func (snap *Snapshot) remember(key docKey, mkey string) {
	if mkey == "" {
		return
	}
	if d, ok := snap.docs[key]; ok {
		snap.memo[key] = memoEntry{key: mkey, doc: d}
	}
}
