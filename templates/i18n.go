package templates

import (
	"strings"

	"github.com/candorstatus/candor/status"
)

// messages holds every public string as {English, Korean}. Placeholders {0}, {1}, ... are
// filled by Tf or, when the filling is markup (a <time> element), by the phrase component,
// so each language keeps its own word order.
var messages = map[string][2]string{
	// Layout.
	"skip":                   {"Skip to content", "본문으로 건너뛰기"},
	"nav.label":              {"Site", "사이트"},
	"lang.switch":            {"Language", "언어"},
	"footer.zone":            {"Times shown in {0}", "모든 시각은 {0} 기준입니다"},
	"footer.history":         {"Incident history", "장애 기록"},
	"footer.atom":            {"Atom feed", "Atom 피드"},
	"footer.api":             {"JSON API", "JSON API"},
	"footer.powered":         {"Powered by Candor", "Powered by Candor"},
	"footer.links":           {"More", "더 보기"},
	"as.of":                  {"As of {0}", "{0} 기준"},
	"home.title":             {"Current status", "현재 상태"},
	"history.title":          {"Incident history", "장애 기록"},
	"back.home":              {"Current status", "현재 상태"},
	"error.title":            {"Error", "오류"},
	"error.notfound.title":   {"Page not found", "페이지를 찾을 수 없습니다"},
	"error.generic.title":    {"Something went wrong", "문제가 발생했습니다"},
	"error.code":             {"Error {0}", "오류 {0}"},
	"error.home":             {"Go to the current status", "현재 상태 보기"},
	"error.notfound.message": {"The page you asked for does not exist or has moved.", "요청하신 페이지가 없거나 다른 곳으로 옮겨졌습니다."},
	"error.generic.message":  {"Please try again in a moment.", "잠시 후 다시 시도해 주세요."},

	// Home.
	"active.heading":       {"Active incidents", "진행 중인 장애"},
	"maintenance.heading":  {"Scheduled maintenance", "예정된 점검"},
	"maint.scheduled":      {"Scheduled", "예정"},
	"maint.in_progress":    {"In progress", "진행 중"},
	"maint.verifying":      {"Verifying", "확인 중"},
	"maint.completed":      {"Completed", "완료"},
	"maint.cancelled":      {"Cancelled", "취소됨"},
	"maint.window":         {"Planned window", "점검 시간"},
	"maint.postponed":      {"Postponed: an unresolved incident affects these services, so the work has not started.", "연기됨: 이 서비스에 해결되지 않은 장애가 있어 점검을 시작하지 않았습니다."},
	"maint.late":           {"Running late: it was planned to end by {0}.", "지연: {0}까지 끝날 예정이었으나 아직 진행 중입니다."},
	"maint.ends":           {"Planned to end by {0}", "{0}까지 진행 예정"},
	"maint.starts":         {"Starts {0}", "{0} 시작 예정"},
	"maint.components":     {"Services under maintenance", "점검 대상 서비스"},
	"maint.updates":        {"Updates", "진행 상황"},
	"maint.title":          {"Scheduled maintenance", "예정된 점검"},
	"maint.event.started":  {"Started", "시작"},
	"maint.event.held":     {"Postponed", "연기"},
	"maint.event.released": {"Released", "재개"},
	"maint.event.override": {"Started by staff despite an open incident", "장애 중 담당자 판단으로 시작"},
	"maint.event.reminder": {"Reminder", "사전 안내"},
	"maint.event.late":     {"Running late", "지연"},
	"components.heading":   {"Services", "서비스 상태"},
	"recent.heading":       {"Past incidents", "지난 장애"},
	"recent.none":          {"No recent incidents.", "최근 장애가 없습니다."},
	"recent.all":           {"View incident history", "전체 장애 기록 보기"},
	"ungrouped":            {"Other services", "기타 서비스"},
	"started":              {"Started {0}", "{0} 시작"},
	"starts":               {"Starts {0}", "{0} 시작 예정"},
	"latest.update":        {"Latest update, {0}", "최근 업데이트, {0}"},
	"affected":             {"Affected", "영향받는 서비스"},
	"uptime.percent":       {"{0}% uptime", "가동률 {0}%"},
	"uptime.nodata":        {"No data yet", "데이터 없음"},
	"uptime.ago":           {"{0} days ago", "{0}일 전"},
	"uptime.today":         {"Today", "오늘"},
	"uptime.label":         {"Daily uptime of {0}, last {1} days", "{0} 일별 가동 기록, 최근 {1}일"},
	"day.nodata":           {"No data", "데이터 없음"},
	"stale.notice": {"We cannot reach our status database right now. This page shows what we knew at {0}; the times and estimates on it are kept current.",
		"지금 상태 데이터베이스에 연결할 수 없습니다. 이 페이지는 {0} 기준의 정보이며, 시각과 예상 복구 시간은 계속 갱신됩니다."},
	"uptime.trouble.none": {"No downtime on any day.", "장애가 있었던 날이 없습니다."},
	"day.nodowntime":      {"No downtime", "장애 없음"},
	"day.partial":         {"{0} partial outage", "부분 장애 {0}"},
	"day.major":           {"{0} major outage", "전체 장애 {0}"},
	"day.degraded":        {"{0} degraded performance", "성능 저하 {0}"},
	"day.maintenance":     {"{0} maintenance", "점검 {0}"},
	"day.incidents":       {"Incidents: {0}", "관련 장애: {0}"},

	// Incident page.
	"facts.started":                  {"Started", "시작"},
	"facts.resolved":                 {"Resolved", "해결"},
	"facts.duration":                 {"Duration", "지속 시간"},
	"incident.resolvedin":            {"Resolved after {0}", "{0} 만에 해결"},
	"incident.ongoing":               {"Ongoing for {0}", "{0}째 진행 중"},
	"incident.users":                 {"Users affected", "영향받은 사용자"},
	"incident.userspct":              {"About {0}% of users", "사용자의 약 {0}%"},
	"incident.cause":                 {"Cause", "원인"},
	"incident.components":            {"Affected services", "영향받는 서비스"},
	"incident.updates":               {"Updates", "업데이트"},
	"incident.none":                  {"No updates yet.", "아직 업데이트가 없습니다."},
	"update.system":                  {"Automatic update", "자동 업데이트"},
	"update.announced":               {"Announced restoration time: {0}", "안내한 복구 예정 시각: {0}"},
	"update.changes":                 {"Service changes", "서비스 상태 변경"},
	"update.posted":                  {"Posted {0}", "{0} 게시"},
	"history.none":                   {"No incidents reported.", "보고된 장애가 없습니다."},
	"history.ongoing":                {"Ongoing", "진행 중"},
	"pagination.label":               {"Pages", "페이지"},
	"pagination.newer":               {"Newer", "최신"},
	"pagination.older":               {"Older", "이전"},
	"pagination.of":                  {"Page {0} of {1}", "{1}쪽 중 {0}쪽"},
	"impact.label":                   {"Impact", "영향도"},
	"status.label":                   {"Status", "상태"},
	"eta.heading":                    {"Restoration estimate", "복구 예상"},
	"eta.range":                      {"Likely restored by {0}, almost certainly by {1}", "{0}까지 복구될 가능성이 높고, 늦어도 {1}까지는 복구될 것으로 보입니다"},
	"eta.p50":                        {"Likely restored by {0}", "{0}까지 복구될 가능성이 높습니다"},
	"eta.few":                        {"(few similar incidents: a rough estimate)", "(유사 사례가 적어 대략적인 추정입니다)"},
	"eta.announced":                  {"Staff expect restoration by {0}", "담당자 안내: {0}까지 복구 예정"},
	"eta.unlikely":                   {"Based on past incidents this is unlikely ({0}% chance)", "과거 사례로 볼 때 이 시각까지 복구될 가능성은 낮습니다({0}%)"},
	"eta.missed":                     {"It is taking longer than announced (expected by {0})", "안내한 시각({0})보다 복구가 늦어지고 있습니다"},
	"eta.missedestimate":             {"It is taking longer than our earlier estimate", "이전 예상보다 복구가 늦어지고 있습니다"},
	"eta.overdue":                    {"Restoration is taking longer than usual; estimate being updated", "평소보다 복구가 오래 걸리고 있습니다. 예상 시각을 다시 계산하고 있습니다"},
	"eta.nonew":                      {"No new restoration estimate yet", "새 복구 예상 시각은 아직 없습니다"},
	"eta.none":                       {"No restoration estimate yet", "아직 복구 예상 시각이 없습니다"},
	"time.justnow":                   {"just now", "방금"},
	"time.minutesago":                {"{0} minutes ago", "{0}분 전"},
	"time.minuteago":                 {"1 minute ago", "1분 전"},
	"time.hoursago":                  {"{0} hours ago", "{0}시간 전"},
	"time.hourago":                   {"1 hour ago", "1시간 전"},
	"time.daysago":                   {"{0} days ago", "{0}일 전"},
	"time.dayago":                    {"1 day ago", "1일 전"},
	"time.in":                        {"in {0}", "{0} 후"},
	"time.for":                       {"for {0}", "{0}째"},
	"dur.lessminute":                 {"less than 1 min", "1분 미만"},
	"dur.min":                        {"{0} min", "{0}분"},
	"dur.h":                          {"{0} h", "{0}시간"},
	"dur.d":                          {"{0} d", "{0}일"},
	"component.operational":          {"Operational", "정상"},
	"component.degraded_performance": {"Degraded performance", "성능 저하"},
	"component.partial_outage":       {"Partial outage", "부분 장애"},
	"component.major_outage":         {"Major outage", "전체 장애"},
	"component.under_maintenance":    {"Under maintenance", "점검 중"},
	"istatus.investigating":          {"Investigating", "원인 조사 중"},
	"istatus.identified":             {"Identified", "원인 확인"},
	"istatus.monitoring":             {"Monitoring", "모니터링 중"},
	"istatus.resolved":               {"Resolved", "해결됨"},
	"impact.none":                    {"No impact", "영향 없음"},
	"impact.minor":                   {"Minor impact", "경미한 영향"},
	"impact.major":                   {"Major impact", "큰 영향"},
	"impact.critical":                {"Critical impact", "심각한 영향"},
	"cause.power":                    {"Power", "전력"},
	"cause.network":                  {"Network", "네트워크"},
	"cause.deploy":                   {"Deployment", "배포"},
	"cause.database":                 {"Database", "데이터베이스"},
	"cause.capacity":                 {"Capacity", "용량 부족"},
	"cause.third_party":              {"Third-party service", "외부 서비스"},
	"cause.other":                    {"Other", "기타"},
	// Overall descriptions: English keeps Statuspage's exact wording, keyed by it.
	"overall.All Systems Operational":    {"All Systems Operational", "모든 시스템 정상"},
	"overall.Partially Degraded Service": {"Partially Degraded Service", "일부 서비스 성능 저하"},
	"overall.Minor Service Outage":       {"Minor Service Outage", "일부 서비스 장애"},
	"overall.Partial System Outage":      {"Partial System Outage", "일부 시스템 장애"},
	"overall.Major System Outage":        {"Major System Outage", "주요 시스템 장애"},
	"overall.Service Under Maintenance":  {"Service Under Maintenance", "서비스 점검 중"},
}

// T returns the text for key in language l, falling back to English and then to the key
// itself, so a missing translation shows up on the page instead of breaking it.
func T(l Lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l == Korean && m[1] != "" {
		return m[1]
	}
	return m[0]
}

// Tf returns T(l, key) with {0}, {1}, ... replaced by args.
func Tf(l Lang, key string, args ...string) string {
	return fill(T(l, key), args)
}

func fill(s string, args []string) string {
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+string(rune('0'+i))+"}", a)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// ComponentStatusText names a component status; unknown statuses are shown as they are.
func ComponentStatusText(l Lang, s status.ComponentStatus) string {
	return orRaw(l, "component."+string(s), string(s))
}

// IncidentStatusText names an incident status.
func IncidentStatusText(l Lang, s status.IncidentStatus) string {
	return orRaw(l, "istatus."+string(s), string(s))
}

// ImpactText names an incident's impact, e.g. "Major impact".
func ImpactText(l Lang, i status.Impact) string {
	return orRaw(l, "impact."+string(i), string(i))
}

// CauseText names an incident cause.
func CauseText(l Lang, c status.Cause) string {
	return orRaw(l, "cause."+string(c), string(c))
}

// OverallText translates the overall banner; descriptions without a translation are shown
// as they are.
func OverallText(l Lang, o status.Overall) string {
	return orRaw(l, "overall."+o.Description, o.Description)
}

func orRaw(l Lang, key, raw string) string {
	if _, ok := messages[key]; !ok {
		return raw
	}
	return T(l, key)
}

// otherLang is the language the switch links to.
func otherLang(l Lang) Lang {
	if l == Korean {
		return English
	}
	return Korean
}

// langName is a language's name in itself, as language switches show it.
func langName(l Lang) string {
	if l == Korean {
		return "한국어"
	}
	return "English"
}
