// Package demo seeds a believable status page — a messenger service's components and a few
// months of resolved incidents — so a first run shows history and uptime bars, not a blank page.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/status"
)

type component struct {
	id          string
	name, group lang.Text
	description lang.Text
}

func ko(ko, en string) lang.Text { return lang.Text{KO: ko, EN: en} }

// Groups by service area.
var (
	messaging = ko("메시징", "Messaging")
	media     = ko("사진·스토리", "Photos and stories")
	accounts  = ko("로그인·계정", "Login and accounts")
	calls     = ko("통화", "Calls")
	payments  = ko("결제", "Payments")
	community = ko("커뮤니티", "Community")
)

// components of a large messenger, grouped by service area.
var components = []component{
	{"messenger", ko("메시지 전송", "Message delivery"), messaging, ko("채팅 메시지 보내기와 받기", "Sending and receiving chat messages")},
	{"chat-sync", ko("대화 동기화", "Chat history sync"), messaging, ko("새 기기와 PC의 대화방", "Chat rooms on new devices and PC")},
	{"push", ko("알림", "Notifications"), messaging, ko("휴대폰의 새 메시지 알림", "New-message alerts on phones")},
	{"media-upload", ko("사진·동영상 전송", "Photo and video upload"), media, ko("사진·동영상·파일 보내기", "Sending photos, videos and files")},
	{"stories", ko("스토리", "Stories"), media, ko("스토리 올리기와 보기", "Posting and viewing stories")},
	{"login", ko("로그인", "Login"), accounts, ko("휴대폰과 PC 로그인", "Signing in on phone and PC")},
	{"signup", ko("가입·인증", "Sign-up and verification"), accounts, ko("새 계정과 휴대폰 인증", "New accounts and phone verification")},
	{"voice-calls", ko("음성 통화", "Voice calls"), calls, ko("1:1 및 그룹 음성 통화", "1:1 and group voice calls")},
	{"video-calls", ko("영상 통화", "Video calls"), calls, ko("1:1 및 그룹 영상 통화", "1:1 and group video calls")},
	{"pay", ko("송금·결제", "Pay and transfers"), payments, ko("송금과 결제", "Money transfers and payments")},
	{"gifts", ko("선물하기", "Gift shop"), payments, ko("선물 구매와 보내기", "Buying and sending gifts")},
	{"open-chat", ko("오픈채팅", "Open chat"), community, ko("공개 채팅방", "Public chat rooms")},
}

// both reads the demo's own bilingual strings: titles are written "English · 한국어",
// messages "한국어\nEnglish".
func both(s, sep string, koFirst bool) lang.Text {
	a, b, ok := strings.Cut(s, sep)
	if !ok {
		return lang.Same(s)
	}
	if koFirst {
		return ko(a, b)
	}
	return ko(b, a)
}

type scenario struct {
	title    string
	cause    status.Cause
	comps    []string
	worst    status.ComponentStatus
	impact   status.Impact
	median   time.Duration // typical duration; actual ones are drawn around it
	messages [4]string     // investigating, identified, monitoring, resolved
}

var scenarios = []scenario{
	{"Delayed message delivery · 메시지 전송 지연", status.CauseCapacity, []string{"messenger", "push"}, status.PartialOutage, status.ImpactMajor, 50 * time.Minute,
		[4]string{"일부 사용자의 메시지 전송이 지연되고 있습니다. 원인을 조사하고 있습니다.\nSome users see delayed messages. We are investigating.",
			"메시지 큐 서버의 처리 용량 부족을 확인했습니다. 서버를 증설하고 있습니다.\nWe found a capacity shortage in the message queue and are adding servers.",
			"증설을 마쳤고 지연이 해소되고 있습니다. 상황을 지켜보고 있습니다.\nCapacity was added and delays are clearing. We are monitoring.",
			"메시지 전송이 정상화되었습니다. 불편을 드려 죄송합니다.\nMessage delivery is back to normal. We apologise for the trouble."}},
	{"Photo upload failures · 사진 전송 실패", status.CauseDeploy, []string{"media-upload", "stories"}, status.PartialOutage, status.ImpactMinor, 35 * time.Minute,
		[4]string{"사진과 동영상 전송이 실패하는 현상을 확인하고 있습니다.\nWe are looking into failures when sending photos and videos.",
			"최근 배포된 업로드 서버 설정 오류가 원인입니다. 이전 버전으로 되돌리고 있습니다.\nA configuration error in a recent deploy is the cause. We are rolling it back.",
			"되돌리기를 마쳤습니다. 전송 성공률을 지켜보고 있습니다.\nThe rollback is done. We are watching the success rate.",
			"사진·동영상 전송이 정상화되었습니다.\nPhoto and video upload is working normally."}},
	{"Login errors on PC · PC 로그인 오류", status.CauseDatabase, []string{"login"}, status.MajorOutage, status.ImpactCritical, 70 * time.Minute,
		[4]string{"PC 버전 로그인이 되지 않는 문제를 조사하고 있습니다.\nWe are investigating failed logins on PC.",
			"인증 데이터베이스 장애를 확인했습니다. 예비 서버로 전환하고 있습니다.\nThe authentication database failed; we are switching to the standby.",
			"전환을 마쳤습니다. 로그인이 다시 되는지 확인하고 있습니다.\nThe switch-over is complete. We are confirming logins work again.",
			"로그인이 정상화되었습니다.\nLogin is working normally."}},
	{"Voice call quality issues · 음성 통화 품질 저하", status.CauseNetwork, []string{"voice-calls", "video-calls"}, status.DegradedPerformance, status.ImpactMinor, 40 * time.Minute,
		[4]string{"일부 통신사 이용자의 통화 음질이 떨어지는 현상을 조사하고 있습니다.\nSome carriers' users report poor call quality. We are investigating.",
			"해외 구간 네트워크 회선 문제를 확인했습니다. 우회 경로를 적용하고 있습니다.\nAn international network link is degraded; we are re-routing.",
			"우회 경로를 적용했습니다. 통화 품질을 지켜보고 있습니다.\nTraffic was re-routed. We are monitoring call quality.",
			"통화 품질이 정상화되었습니다.\nCall quality is back to normal."}},
	{"Payment delays · 송금·결제 지연", status.CauseThirdParty, []string{"pay", "gifts"}, status.PartialOutage, status.ImpactMajor, 90 * time.Minute,
		[4]string{"송금과 결제가 지연되고 있습니다. 원인을 확인하고 있습니다.\nTransfers and payments are delayed. We are investigating.",
			"제휴 은행 시스템 점검 지연이 원인입니다. 은행과 함께 조치하고 있습니다.\nA partner bank's overrunning work is the cause; we are working with the bank.",
			"은행 시스템이 복구되었습니다. 밀린 거래를 처리하고 있습니다.\nThe bank's system is back; queued transactions are being processed.",
			"송금과 결제가 정상화되었습니다. 지연된 거래도 모두 처리되었습니다.\nTransfers and payments are normal; all delayed transactions went through."}},
	{"Open chat rooms not loading · 오픈채팅 접속 오류", status.CauseCapacity, []string{"open-chat"}, status.PartialOutage, status.ImpactMinor, 30 * time.Minute,
		[4]string{"오픈채팅방에 들어가지 못하는 현상을 조사하고 있습니다.\nSome open chat rooms do not load. We are investigating.",
			"특정 대형 채팅방에 트래픽이 몰려 서버가 과부하 상태입니다.\nA surge into a few very large rooms overloaded a server.",
			"부하를 분산했습니다. 상황을 지켜보고 있습니다.\nLoad was spread out. We are monitoring.",
			"오픈채팅이 정상화되었습니다.\nOpen chat is working normally."}},
	{"Power failure at a data centre · 데이터센터 전원 장애", status.CausePower, []string{"messenger", "chat-sync", "login", "media-upload", "push"}, status.MajorOutage, status.ImpactCritical, 3 * time.Hour,
		[4]string{"데이터센터 전원 장애로 여러 기능에 접속이 원활하지 않습니다. 복구 중입니다.\nA power failure at a data centre affects several features. Recovery is under way.",
			"전원 계통 장애를 확인했습니다. 다른 데이터센터로 서비스를 옮기고 있습니다.\nThe power fault is confirmed; we are moving services to another data centre.",
			"대부분의 기능이 다른 데이터센터에서 복구되었습니다. 나머지를 확인하고 있습니다.\nMost features are restored from the other data centre; we are checking the rest.",
			"모든 기능이 복구되었습니다. 장애 원인과 재발 방지 대책은 사후 보고서로 안내하겠습니다.\nEverything is restored. A postmortem with causes and follow-ups will follow."}},
	{"Sign-up verification texts delayed · 가입 인증 문자 지연", status.CauseThirdParty, []string{"signup"}, status.DegradedPerformance, status.ImpactMinor, 45 * time.Minute,
		[4]string{"가입 인증 문자가 늦게 도착하고 있습니다.\nSign-up verification texts arrive late.",
			"문자 발송 업체의 지연을 확인했습니다. 다른 업체로 전환하고 있습니다.\nOur SMS provider is delayed; we are switching providers.",
			"전환을 마쳤습니다. 발송 상태를 지켜보고 있습니다.\nThe switch is done; we are watching delivery.",
			"인증 문자가 정상적으로 발송되고 있습니다.\nVerification texts are delivered normally."}},
}

// Seed fills an empty store: components in groups, and incidents over the past `days`
// days, all resolved. It does nothing when components already exist, so --demo is safe on
// every start.
func Seed(ctx context.Context, svc *status.Service, days int) (bool, error) {
	_, existing, err := svc.Components(ctx)
	if err != nil {
		return false, err
	}
	if len(existing) > 0 {
		return false, nil
	}
	now := svc.Clock().Now().UTC()
	op := status.Op{Actor: status.Actor{Kind: status.ActorSystem, Name: "demo"}}
	start := now.AddDate(0, 0, -days-1)
	for i, c := range components {
		pos := i
		if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: c.id, Name: c.name, Group: c.group,
			Description: c.description, Position: &pos, StartDate: start}); err != nil {
			return false, fmt.Errorf("seed component %s: %w", c.id, err)
		}
	}
	// A fixed seed makes every demo the same, so screenshots and docs match.
	rng := rand.New(rand.NewPCG(20261122, 7))
	t := start
	for n := 0; ; n++ {
		t = t.Add(time.Duration(rng.ExpFloat64() * float64(4*24*time.Hour))) // about two a week
		if t.After(now.Add(-6 * time.Hour)) {
			break
		}
		sc := scenarios[rng.IntN(len(scenarios))]
		inc := incident(sc, t, rng, n)
		if _, _, err := svc.ImportIncident(ctx, op, inc); err != nil {
			return false, fmt.Errorf("seed incident %d: %w", n, err)
		}
	}
	return true, nil
}

// incident builds a resolved incident from a scenario, with a log-normal duration (real
// outages are long-tailed) split across the phases.
func incident(sc scenario, start time.Time, rng *rand.Rand, n int) *status.Incident {
	total := time.Duration(float64(sc.median) * math.Exp(rng.NormFloat64()*0.7))
	total = max(total, 8*time.Minute).Round(time.Minute)
	ident := start.Add(total * time.Duration(25+rng.IntN(20)) / 100)
	mon := start.Add(total * time.Duration(60+rng.IntN(20)) / 100)
	end := start.Add(total)
	set := func(st status.ComponentStatus, old status.ComponentStatus) []status.ComponentChange {
		var out []status.ComponentChange
		for _, id := range sc.comps {
			out = append(out, status.ComponentChange{ComponentID: id, Name: nameOf(id), OldStatus: old, NewStatus: st})
		}
		return out
	}
	monitoring := status.DegradedPerformance
	if sc.worst == status.DegradedPerformance {
		monitoring = status.Operational
	}
	upd := func(at time.Time, st status.IncidentStatus, msg string, ch []status.ComponentChange) status.Update {
		return status.Update{Kind: status.KindStaff, Status: st, Message: both(msg, "\n", true), Components: ch, Notify: true,
			PostedBy: "demo", CreatedAt: at}
	}
	inc := &status.Incident{Title: both(sc.title, " · ", false), Impact: sc.impact, Cause: sc.cause, StartedAt: start,
		Source: "demo", ExternalID: fmt.Sprintf("demo-%d", n), Updates: []status.Update{
			upd(start, status.Investigating, sc.messages[0], set(sc.worst, status.Operational)),
			upd(ident, status.Identified, sc.messages[1], nil),
			upd(mon, status.Monitoring, sc.messages[2], set(monitoring, sc.worst)),
			upd(end, status.Resolved, sc.messages[3], set(status.Operational, monitoring)),
		}}
	if sc.impact == status.ImpactCritical || sc.impact == status.ImpactMajor {
		p := float64(10 + rng.IntN(70))
		inc.UsersAffectedPercent = &p
	}
	return inc
}

func nameOf(id string) lang.Text {
	for _, c := range components {
		if c.id == id {
			return c.name
		}
	}
	return lang.Same(id)
}
