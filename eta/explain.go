package eta

import (
	"fmt"
	"math"
)

// explain writes the one-line English and Korean explanations. They name the count and
// the condition the estimate rests on, because a range is only believable when readers
// can see what it comes from, and they say plainly when history is thin.
func explain(mx blend, e Estimate) (en, ko string) {
	byPhase := mx.chosen >= 0 && mx.levels[mx.chosen].byPhase
	d := roundDuration(mx.elapsed)
	var condEN, condKO string
	switch {
	case d.en == "":
	case byPhase && mx.phase == phaseIdentified:
		condEN = " that lasted at least " + d.en + " and had the cause identified by then"
		condKO = d.ko + " 이상 지속되고 그때까지 원인이 파악된 "
	case byPhase && mx.phase == phaseMonitoring:
		condEN = " that lasted at least " + d.en + " and were monitoring a fix by then"
		condKO = d.ko + " 이상 지속되고 그때까지 조치 후 모니터링 중이던 "
	case byPhase:
		condEN = " still under investigation after " + d.en
		condKO = d.ko + "이 지나도록 원인을 조사 중이던 "
	default:
		condEN = " that lasted at least " + d.en
		condKO = d.ko + " 이상 지속된 "
	}
	if e.Few {
		if e.Samples == 0 {
			return "Based on few similar incidents (none yet), so the range is wide and mostly a general prior.",
				"유사한 장애가 거의 없어(아직 0건) 일반적인 사전 분포에 주로 의존하므로 범위가 넓습니다."
		}
		return fmt.Sprintf("Based on few similar incidents (%d%s), so the range is wide.", e.Samples, condEN),
			fmt.Sprintf("%s유사한 장애가 적어(%d건) 범위가 넓습니다.", condKO, e.Samples)
	}
	return fmt.Sprintf("Based on %d similar incidents%s.", e.Samples, condEN),
		fmt.Sprintf("%s유사한 장애 %d건을 바탕으로 추정했습니다.", condKO, e.Samples)
}

// durText is a duration spelled for people in both languages; empty under a minute.
type durText struct{ en, ko string }

// roundDuration rounds minutes to what people say: whole minutes under two hours, whole
// hours under two days, then days.
func roundDuration(min float64) durText {
	switch {
	case min < 1:
		return durText{}
	case min < 120:
		n := int(math.Round(min))
		return durText{plural(n, "minute"), fmt.Sprintf("%d분", n)}
	case min < 48*60:
		n := int(math.Round(min / 60))
		return durText{plural(n, "hour"), fmt.Sprintf("%d시간", n)}
	default:
		n := int(math.Round(min / 1440))
		return durText{plural(n, "day"), fmt.Sprintf("%d일", n)}
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
