package notifier

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// Large audiences (an outage of the messenger reaches millions of devices) go through FCM
// topics: one send per topic instead of one per device, within the 600 000 messages/minute
// project quota. Every topic is per language, because FCM cannot localize free text: a device
// subscribes to the topics of the components it follows in its own language, plus the
// all-components topic of that language.
//
// Names: "candor.c.<component>.<lang>" and "candor.all.<lang>". The "candor." prefix keeps
// them apart from other topics of a shared Firebase project; '.' separates the parts, so it
// is escaped (with the rest of what FCM forbids) inside ids.

// MaxConditionTopics is how many topics FCM allows in one condition expression.
const MaxConditionTopics = 5

// maxTopicPart bounds an escaped id inside a topic name; longer ids are hashed.
const maxTopicPart = 120

var topicPattern = regexp.MustCompile(`^[a-zA-Z0-9\-_.~%]+$`)

// ValidTopic reports whether name is a topic name FCM accepts (without "/topics/").
func ValidTopic(name string) bool {
	return topicPattern.MatchString(strings.TrimPrefix(name, "/topics/"))
}

func errInvalidTopic(name string) error { return fmt.Errorf("invalid topic name %q", name) }

// TopicFor is the topic of the devices following component componentID in language lang.
func TopicFor(componentID, lang string) string {
	return "candor.c." + topicPart(componentID) + "." + topicPart(lang)
}

// TopicAll is the topic of the devices following every component in language lang.
func TopicAll(lang string) string {
	return "candor.all." + topicPart(lang)
}

// topicPart makes s safe inside a topic name: letters, digits, '-', '_' and '~' are kept,
// every other byte is percent-encoded (FCM allows '%'), so distinct ids never collide.
// Very long ids become a hash.
func topicPart(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() > maxTopicPart {
		sum := sha256.Sum256([]byte(s))
		return "h-" + hex.EncodeToString(sum[:16])
	}
	return b.String()
}

// Conditions builds FCM condition expressions reaching the devices subscribed to any of
// topics: "'a' in topics || 'b' in topics", at most MaxConditionTopics per expression, so
// more topics give several conditions. Duplicate and malformed names are dropped.
//
// A device subscribed to topics that land in two different conditions receives the push
// twice; both carry the incident's collapse key, so the second replaces the first on the
// device instead of adding a tray entry. Callers that can should send to TopicAll instead.
func Conditions(topics []string) []string {
	seen := make(map[string]bool, len(topics))
	var conds []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			conds = append(conds, strings.Join(cur, " || "))
			cur = cur[:0]
		}
	}
	for _, t := range topics {
		t = strings.TrimPrefix(t, "/topics/")
		if seen[t] || !ValidTopic(t) {
			continue
		}
		seen[t] = true
		cur = append(cur, "'"+t+"' in topics")
		if len(cur) == MaxConditionTopics {
			flush()
		}
	}
	flush()
	return conds
}
