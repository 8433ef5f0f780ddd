package fcmfake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// maxTopicTokens is Instance ID's limit per batch call.
const maxTopicTokens = 1000

type iidRequest struct {
	To     string   `json:"to"`
	Tokens []string `json:"registration_tokens"`
}

// serveTopic answers batchAdd (add) and batchRemove, one result per token in order.
func (s *Server) serveTopic(w http.ResponseWriter, r *http.Request, add bool) {
	s.mu.Lock()
	s.topicRequests++
	f := s.failTopic
	if f.n > 0 {
		s.failTopic.n--
	}
	s.mu.Unlock()
	if f.n > 0 {
		writeIIDError(w, f.status, http.StatusText(f.status))
		return
	}

	var req iidRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	topic, ok := strings.CutPrefix(req.To, "/topics/")
	switch {
	case err != nil:
		writeIIDError(w, http.StatusBadRequest, "INVALID_ARGUMENT")
		return
	case !ok || !topicPattern.MatchString(topic):
		writeIIDError(w, http.StatusBadRequest, "INVALID_ARGUMENT")
		return
	case len(req.Tokens) == 0 || len(req.Tokens) > maxTopicTokens:
		writeIIDError(w, http.StatusBadRequest, "INVALID_ARGUMENT")
		return
	}

	results := make([]map[string]string, len(req.Tokens))
	s.mu.Lock()
	set := s.subs[topic]
	if set == nil && add {
		set = map[string]struct{}{}
		s.subs[topic] = set
	}
	for i, t := range req.Tokens {
		switch {
		case strings.HasPrefix(t, "unregistered-"):
			results[i] = map[string]string{"error": "NOT_FOUND"}
		case strings.HasPrefix(t, "invalid-") || t == "":
			results[i] = map[string]string{"error": "INVALID_ARGUMENT"}
		case strings.HasPrefix(t, "internal-"):
			results[i] = map[string]string{"error": "INTERNAL"}
		case add:
			set[t] = struct{}{}
			results[i] = map[string]string{}
		default:
			delete(set, t)
			results[i] = map[string]string{}
		}
	}
	if set != nil && len(set) == 0 {
		delete(s.subs, topic)
	}
	s.mu.Unlock()

	out, _ := json.Marshal(map[string]any{"results": results})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(out)
}

// writeIIDError writes Instance ID's flat error shape, {"error": "REASON"}.
func writeIIDError(w http.ResponseWriter, status int, reason string) {
	out, _ := json.Marshal(map[string]string{"error": reason})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(out)
}
