package email_test

import (
	"strings"
	"testing"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/status"
)

// Emails about a webhook speak the endpoint's language, name only the URL's host (a chat
// URL's path is a credential) and offer a public endpoint's removal link.
func TestBuildWebhookMail(t *testing.T) {
	page := lang.Text{KO: "캔더 상태", EN: "Candor Status"}
	base := email.WebhookMail{Page: page, Fallback: lang.Korean, URL: "https://hooks.slack.com/services/T0/B0/SECRET",
		RemoveLink: "https://status.example.com/subscribe/webhook/remove?id=x&token=y", Reason: "HTTP 500"}
	for _, tc := range []struct {
		event, locale, link string
		staff               bool
		want                []string
	}{
		{status.EmailEventWebhookConfirm, "en", "https://status.example.com/subscribe/webhook/confirm?token=t", false,
			[]string{"Confirm the webhook subscription to Candor Status", "hooks.slack.com", "Confirm webhook", "48 hours", "Remove this webhook"}},
		{status.EmailEventWebhookConfirm, "ko", "https://status.example.com/subscribe/webhook/confirm?token=t", false,
			[]string{"캔더 상태 웹훅 구독을 확인해 주세요", "웹훅 확인", "48시간", "이 웹훅 삭제"}},
		{status.EmailEventWebhookManage, "en", base.RemoveLink, false, []string{"already receives", "Remove this webhook"}},
		{status.EmailEventWebhookDisabled, "en", base.RemoveLink, false,
			[]string{"[Candor Status] Webhook disabled: hooks.slack.com", "HTTP 500", "turn the webhook back on", "Turn this webhook back on, or remove it"}},
		{status.EmailEventWebhookDisabled, "ko", base.RemoveLink, false,
			[]string{"[캔더 상태] 웹훅 전송 중지: hooks.slack.com", "다시 켜 주세요", "이 웹훅 다시 켜기 또는 삭제"}},
		{status.EmailEventWebhookDisabled, "ko", "https://status.example.com/?lang=ko", true,
			[]string{"[캔더 상태] 웹훅 전송 중지: hooks.slack.com", "HTTP 500", "담당자에게"}},
	} {
		w := base
		w.Locale, w.Link = tc.locale, tc.link
		if tc.event == status.EmailEventWebhookDisabled {
			w.Link = "https://status.example.com/?lang=" + tc.locale // the dispatcher's: the status page
		}
		if tc.staff {
			w.RemoveLink = ""
		}
		c, err := email.BuildWebhookMail(tc.event, w)
		if err != nil {
			t.Fatal(err)
		}
		all := c.Subject + "\n" + c.Text + "\n" + c.HTML
		for _, s := range tc.want {
			if !strings.Contains(all, s) {
				t.Errorf("%s/%s lacks %q:\n%s", tc.event, tc.locale, s, all)
			}
		}
		if strings.Contains(all, "SECRET") || !strings.Contains(c.Text, tc.link) {
			t.Errorf("%s/%s: the URL's path shows, or the link is missing:\n%s", tc.event, tc.locale, c.Text)
		}
		if hasRemove := strings.Contains(c.Text, "/subscribe/webhook/remove"); hasRemove == tc.staff {
			t.Errorf("%s/%s: removal link present %v for a staff endpoint %v", tc.event, tc.locale, hasRemove, tc.staff)
		}
	}
	if _, err := email.BuildWebhookMail("nope", base); err == nil {
		t.Error("an unknown event built an email")
	}
}
