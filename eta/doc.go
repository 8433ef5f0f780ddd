// Package eta estimates when an open incident will be restored, as a range learned from
// the service's own incident history.
//
// # Method
//
// Incident durations are treated as survival data: an incident still open is
// right-censored (it has lasted at least this long), never dropped, because the open
// ones are the long ones and dropping them biases every estimate short. An estimate for
// an incident that has been open e minutes is conditioned on that: the remaining time x
// follows P(T > e+x | T > e). It is also conditioned on the incident's phase by
// landmarking: history is stratified by the phase each incident was in (investigating,
// identified, monitoring) at landmark ages 0, 5, 7, 10, 14, … minutes (a √2 grid), and an
// incident open e minutes in phase p is compared with the incidents that were open and in
// phase p at the largest landmark ≤ e. That answers "as far as history shows" how much
// reaching identified or monitoring shortens what remains, without assuming it.
//
// Each group of comparable incidents gets a survival curve: a recency-weighted
// Kaplan–Meier estimate (weights halve every Config.HalfLife) made robust where few
// incidents remain at risk by Hjort's beta-process estimator, which moves the hazard
// smoothly toward a parametric one as the number at risk falls and past the longest
// incident uses it alone (survival.go). The parametric distribution is a Burr XII fitted
// by maximum a posteriori with censoring; its power-law tail, free of its body, is what
// heavy-tailed outage durations need beyond the data (prior.go). Its prior, which is the
// whole estimate when there is no history, is a log-logistic with median 90 minutes and
// tail exponent 1.2.
//
// Groups run from narrow to broad: components+impact, impact, all; first within the
// query's phase, then regardless of phase, then the parametric fit. Each group gets a
// share n/(n+k) of what its parents would otherwise get, n being its effective
// (Kish) count of incidents still open at e, and the shares average the groups' log
// quantiles (pool.go). k is Config.Shrinkage, raised for impact and component pools by
// an empirical-Bayes estimate when those pools do not actually differ (shrink.go).
// Build precomputes every curve with its cumulative weights; Estimate is a few binary
// searches (about 10 µs with 10 000 incidents of history; Build takes 50–80 ms).
//
// # Self-correction
//
// A model of the past lags a present that drifts: on one provider's page incidents grew
// twice as long within a year, and a two-year memory kept promising the old durations.
// Shortening the memory only trades that lag for noise (every pool thins), and nothing in
// the model notices that its own ranges keep missing. So the model keeps score of itself
// online and corrects what it publishes (correct.go).
//
// Each published quantile τ (P10, P50, P80, P90) is the model's own times e^θ, θ the sum
// of three offsets: one for every estimate, one for its phase, one for its elapsed band
// (0–30, 30–60, 60–120, 120–240 and 240+ minutes). When the outcome of a published quantile
// becomes known — the incident was restored, or the quantile's time passed with it still
// open, whichever comes first — each of the three offsets steps by η·(miss − (1−τ)). This
// is adaptive conformal inference (Gibbs & Candès, NeurIPS 2021) in the form of quantile
// tracking on the score log(actual/model) (Angelopoulos, Candès & Tibshirani, NeurIPS
// 2023): online gradient descent on the pinball loss of log remaining time. Its guarantee
// needs no model of the drift: an offset's total movement is η times its group's excess
// misses, so as long as the offsets stay bounded each group's long-run miss rate is 1−τ,
// whatever the data do. The reasons for the choices:
//
//   - Log time, so the correction is a factor: scale-free (the same for a five-minute blip
//     and a two-day outage) and never pointing at the past.
//   - The groups are where calibration is promised — overall, per phase, per elapsed time —
//     not the model's pools, which are already shrunk toward each other and mostly too thin
//     to keep score of (a components+impact pool sees a handful of outcomes a year). The
//     groups are additive, so a phase's or band's offset is its deviation from the overall
//     correction, learned only from its own outcomes: a group with little evidence keeps its
//     parent's correction. That is the shrinkage to the parent.
//   - Misses count as soon as they are known, not when the incident ends: a run of long
//     incidents is what drift looks like, and waiting for them to end would be waiting for
//     the news.
//   - η = 0.05 is the smallest step on a doubling grid (… 0.0125, 0.025, 0.05, 0.1) that
//     tracks the reference drift of the issue that introduced it — durations doubling at
//     once — so that P90 covers 0.90 ± 0.04 over the next 100 incidents, at 30 to 400
//     incidents a year (TestCorrectionTracksStepChange; 0.025 only just). A larger step
//     follows drift faster but moves the ranges more from one incident to the next, which
//     costs sharpness: it is the noise term of a tracker. Why one fixed step rather than
//     a step chosen online is under "Why one fixed step" below.
//   - The published quantiles are then made strictly increasing, a minute apart at least,
//     so no correction can ever publish P50 ≥ P90.
//
// The model's half-life stays two years: with the correction holding calibration, memory
// decides sharpness, and on the real history below a one-year or six-month half-life
// improved neither calibration nor the scores.
//
// One code path runs the correction (replay.go): a replay walks the history in time order;
// at each checkpoint — every incident at elapsed 0, 30, 60, 120 and 240 minutes while it is
// still open — it builds the model from what was known then, publishes the corrected
// range and, as outcomes become known, feeds the correction. Backtest scores what the replay
// publishes. Production (package estimator) rebuilds through a Tracker, which runs the same
// replay up to now and keeps the correction it ends with; the model's own estimates at
// past checkpoints are memoized while that past is unchanged, so a rebuild builds the model
// only at new checkpoints (about 70–85 ms with 10 000 incidents, against 50–80 ms for Build
// alone). A cold replay (at start, or after the past was edited) builds at every checkpoint:
// about 1 s for the 718 incidents below, tens of seconds for 10 000 incidents, which is why
// the Tracker replays at most the last ReplayLimit (1000) incidents and the estimator then runs it
// in the background. Up to that size production and Backtest replay exactly the same
// history; beyond it production starts the correction from zero 1000 incidents back, which
// it forgets within a few hundred outcomes.
//
// # Why one fixed step
//
// A fixed step trades tracking against sharpness, and the obvious remedy is to let the
// data choose it: run the correction with several steps and aggregate them online by
// their pinball losses — dynamically-tuned ACI (DtACI: Gibbs & Candès, "Conformal
// inference for online prediction with arbitrary distribution shifts", JMLR 2024:
// exponential weights with fixed share over experts) or aggregated ACI (AgACI: Zaffran
// et al., ICML 2022, which aggregates by the linearised pinball loss). Both were
// implemented on this replay — experts at steps 0.0125 … 0.2 (a doubling grid), weights
// per level or per phase and elapsed band, losses in log time, the meta-parameters the
// DtACI authors use (an interval of I = 500 outcomes, fixed share 1/(2I), learning rate
// from the recent squared losses) — and measured on the history below, on the synthetic
// tests and on a synthetic history that drifts (×4 over 400 incidents) and then holds
// still. None was kept:
//
//   - Aggregation by pinball loss chooses the slow experts here, because on this
//     history chasing recent misses does not pay: P90's pinball loss against the best
//     baseline improves (+1.5%, +0.1%, −1.2%, −1.5%, +0.3% at elapsed 0…240, against
//     +2.0%, +1.0%, −0.2%, +0.7%, +3.1% with the fixed step), but coverage then misses
//     0.90 ± 0.02 in 2023 (0.881), 2024 (0.931), 2026 (0.928) and identified (0.879),
//     where the fixed step misses only 2024. On the drifting synthetic history it is as
//     sharp as the best fixed step (2–3% lower P90 loss than 0.05) and as calibrated.
//     The linearised (AgACI-style) weights swung between experts and did worse than the
//     fixed step on both counts (2023 and identified missed, P90 +1.6 to +4.1%).
//   - It breaks the issue's own synthetic requirements: a thin group's offset (the
//     monitoring phase) converges at the slow experts' pace, so a stationary history
//     covers 0.954 at P90 in monitoring, and after a doubling P50 covers 0.44 over the
//     next 100 incidents; the weights move to the fast experts too late. Weights per
//     phase and band with a much shorter interval (I = 50) pass both, but then miss 2024
//     (0.928) and P50 in 2026 (0.446) here, with pinball losses close to the fixed
//     step's: nothing gained for a new constant.
//   - Restricting the experts to steps that pass those requirements (0.05 … 0.2) passes
//     them and meets every calibration band below (2024: 0.919), but the aggregate then
//     moves faster than the fixed step and P90's pinball loss rises to +3.1% (elapsed 0)
//     … +9.1% (240): the fixed step at 0.1 again, no better.
//
// Other changes to the tracker — slower phase and band groups under a faster overall
// one, counting an incident's later checkpoints less in the shared groups, smoothing
// the published offset, an outer ACI on top of the aggregate, other half-lives — all
// landed on the same trade-off curve: each one that met every calibration band on this
// history cost at least 2% of pinball loss at elapsed 0 (P50 or P90).
//
// Combining forecasters and regrouping the offsets, each under the same correction, were
// measured later on the history below, on the synthetic tests, and on 48 synthetic
// histories of six years (60, 120 or 250 incidents a year; log-logistic durations with
// median 90 min and tail exponent 1.3, major ×1.5, phases as in the tests; durations
// stationary, growing ×2 every three years, doubled for one year, or doubled in the last
// one; 12 seeds each). Figures: pinball loss of P50 and P90 at elapsed 0 minus the best
// baseline's here; on the synthetic histories, in how many of the 48 that difference
// exceeds two standard errors, and how many of 237 years (≥ 150 evaluations) miss 0.90 ±
// 0.02 or 0.50 ± 0.05 — a year is noisy enough that ranges calibrated in expectation miss
// about a quarter of them. None was kept:
//
//   - The correction as it is: +0.5%, +2.0%, 2024 missed. Synthetic: P50 beyond two
//     standard errors in 15 histories (9 of the 12 stationary ones), P90 in 16; 59 years
//     missed. The cost at elapsed 0 is systematic, not this file's noise.
//   - The geometric mean of the model's and the recent conditional baseline's remaining
//     time quantiles at every elapsed time: +0.7%, +2.6%, 2024 and identified (0.877)
//     missed, and a stationary synthetic history then covers 0.95–0.97 at P90 in
//     monitoring (the baseline knows no phases, and the phase offset cannot pull it back
//     fast enough). Weighted per band and level by past log-time pinball losses: +0.6%,
//     +2.5%, the same misses. Averaged at elapsed 0 only: +0.6%, +2.1%. The baseline alone
//     under the correction: +0.9%, +3.2%. At elapsed 0 the two nearly coincide
//     (uncorrected, their P90 losses differ by 0.1%), so the average is the same forecast;
//     the cost is the correction's movement, which a combination does not change.
//   - A separate tree for elapsed 0, keeping the same promises (overall, per phase, per
//     band): estimates at elapsed 0 read only an offset of their band and one of their
//     phase within it, while the overall and phase offsets learn from the later
//     checkpoints only — at elapsed 0 every incident is forecast knowing nothing, and the
//     shared offsets move with the survivors' outcomes, which come in runs (one long
//     incident misses at 0, 30, 60, 120 and 240 minutes). It removes the cost: −0.2%,
//     +0.7% (1.4 standard errors); synthetic: 3 and 1 of 48 histories. But elapsed 0 then
//     follows drift more slowly: 2024 covers 0.931, P50 covers exactly 0.450 after the
//     doubling in TestCorrectionTracksStepChange (100 a year, seed 1), and 75 synthetic
//     years miss (19 of 60 under growth, against 12). Letting elapsed 0's outcomes still
//     feed the shared offsets: 63 years, −0.2% and +0.7%, but 2024 at 0.928 and P90 at 30
//     to 240 minutes 0.6–0.9 points worse. Speeding up the later bands to make up for it
//     (a common offset for all four levels beside the per-level ones, each at η/2): 63
//     years, −0.2% and +0.7%, but 2023 (0.879) and 2024 (0.925) missed and P50 at 30–120
//     minutes 0.6–0.7 points worse.
//   - Faster for everyone — a fourth group per phase and band, or that common offset
//     everywhere — meets every band here (2024: 0.919) but costs more at elapsed 0:
//     +0.9%, +1.8% (19 and 16 synthetic histories, 53 years) and +1.9%, +2.5% (39 and 23
//     histories, 44 years). Half the step in each group: +0.0%, +1.3%, but 2023 (0.879)
//     and 2024 (0.931) missed, P90 in monitoring 0.948 on a stationary history, 76 years.
//
// A windowed conformal correction — the other suggestion, conformalized quantiles
// of recent residuals — was measured the same way. Each group's offset for level τ is the
// ⌈(n+1)τ⌉-th smallest score log(actual/model) among its last W outcomes (a split-conformal
// quantile on a sliding window), a phase's and a band's scores taken after the offsets of
// the groups before them as published, and an incident still open counted by what is
// certain: its score is at least log(time open since the checkpoint / the model's time).
// W comes from the drift test, not from this history: the largest window that, after a
// doubling the model itself does not follow, keeps the mean coverage over the next 100
// incidents (about four outcomes each) within the tolerance — 170 outcomes for P10
// and P50, 190 for P80, 330 for P90. None was kept:
//
//   - Every group windowed: the thin groups (the 240-minute band, monitoring) hold a few
//     dozen outcomes, and a high order statistic of a few dozen heavy-tailed scores is a
//     factor up to e². P90's pinball loss is 16–49% above the best baseline's at every
//     elapsed time, and 2022, 2026, identified and the 240-minute band miss. A group used
//     only once its window is full: monitoring covers 0.975–0.988 at P90 on a stationary
//     history. Shrunk toward its parent by n/(n+W): 0.93–0.95 there, P90 0.854 after the
//     doubling (100 a year, seed 1), and on the 48 histories 103 years and 85 phases miss
//     (59 and 57 now).
//   - Only the overall offset windowed, the phase and band offsets ACI's as now: the best
//     of them. Here it meets every calibration band (2024: 0.917; P50 0.464–0.522) and it
//     passes the synthetic tests; on the 48 histories 56 years miss (59 now), 7 elapsed
//     bands (11), and P50's loss at elapsed 0 is beyond two standard errors in 7 (15). But
//     P90 costs more: +2.6% at elapsed 0 (2.3 standard errors; +2.0% now), +0.5% at 60
//     where the fixed step is −0.2%, +1.4%, +2.1%, +5.6% at 30, 120, 240 (+1.0%, +0.7%,
//     +3.1% now); on the 48 histories its mean P90 difference at elapsed 0 is 0.4–1.1
//     points higher in every scenario. Exponential weights with the same tracking
//     (half-lives of 57, 57, 63 and 110 outcomes; Barber et al., "Conformal prediction
//     beyond exchangeability", 2023): +3.0% at elapsed 0. The average of the windowed and
//     the ACI offsets: every band met, +4.4%.
//
// That is the trade-off again, not a way out of it: a window's quantile and a tracker with
// the same lag have, to first order, the same variance (τ(1−τ)/(Wf²) at a lag of W/2
// outcomes, ητ(1−τ)/(2f) at 1/(ηf)), and where they differ the window is the worse for P90:
// its estimate jumps when an extreme score enters or leaves the window, where ACI's moves
// by at most 0.9η an outcome. Between consecutive estimates of one phase and band, P90's
// offset moves about as much on average (0.10 in log time, both) but in larger jumps (root
// mean square 0.21 against 0.15); P50's moves less (0.11 against 0.15), as its small gain
// at elapsed 0 suggests. It buys 2024 with P90's loss at 60 minutes, which the fixed step
// meets.
//
// Calibration per year and loss at elapsed 0 move in opposite directions along each of
// these. Of the variants that remove the loss at elapsed 0, the best on years miss 63 of
// 237 against the current 59, within the noise of that count, so the next step may be
// there; but none meets the goal on this history without giving up a year it meets now.
//
// The trade-off has two causes in the data, not in the tracker. At elapsed 0 the model
// knows nothing the baselines do not (components and impact barely matter): uncorrected,
// its P90 pinball loss there is 447.9 against the best baseline's 447.3, so any movement
// of the correction costs more than it gains. And a year is few incidents: a coverage
// over one year's evaluations has a standard error of 0.022–0.033 here (Report's
// p90_coverage_se, clustered by incident, because an incident's evaluations hit or miss
// together), so ± 0.02 is less than one standard error, and ranges that are calibrated
// in expectation would miss it in about 40% of years. Only a correction that chases each
// year's own misses meets it every year, and chasing is what costs the pinball loss.
//
// # Honesty
//
// Backtest replays a history in time order as production would have lived it and scores
// P10/P50/P80/P90 against what happened, next to three baselines that publish quantiles of
// past durations: start + quantile of all of them, now + (quantile − elapsed), and the
// recent conditional one (incidents resolved in the last two years that lasted longer than
// the elapsed time). On the real DigitalOcean history in shared/data (718 incidents, 2718
// evaluations; `candor eta backtest FILE`; nothing was fitted to it), coverage of P50 and
// P90 with its standard error (clustered by incident), and the pinball loss (minutes) of
// P50 and P90 minus the best baseline's on the same evaluations, with its paired standard
// error (Report.VersusBest; negative: the model is better):
//
//	elapsed  evals  cov50 ± se     cov90 ± se     pin50 − best         pin90 − best
//	all       2718  0.497 ± .015   0.898 ± .011   −3.4 ± 1.2 recent    +6.5 ±  8.9 recent
//	0 min      708  0.492 ± .019   0.901 ± .011   +1.5 ± 1.0 recent    +8.9 ±  3.9 global
//	30 min     702  0.496 ± .019   0.899 ± .011   −3.6 ± 1.3 recent    +4.6 ±  6.3 global
//	60 min     639  0.495 ± .020   0.901 ± .012   −7.5 ± 1.5 recent    −1.2 ±  9.5 global
//	120 min    439  0.501 ± .024   0.893 ± .015   −4.3 ± 2.6 recent    +4.8 ± 18.6 recent
//	240 min    230  0.522 ± .033   0.891 ± .021   −4.7 ± 6.9 recent   +36.1 ± 50.9 recent
//
//	year     evals  cov50 ± se     cov90 ± se     phase          evals  cov50  cov90
//	2021       661  0.510 ± .029   0.900 ± .022   investigating   1636  0.498  0.899
//	2022       593  0.491 ± .029   0.899 ± .023   identified       423  0.501  0.889
//	2023       428  0.500 ± .038   0.890 ± .028   monitoring       659  0.493  0.904
//	2024       360  0.514 ± .039   0.925 ± .026
//	2025       352  0.500 ± .045   0.889 ± .029
//	2026       276  0.471 ± .049   0.899 ± .033   (2020: 23 incidents, 48 evaluations)
//
// The best baselines' pinball losses are 363.5 and 554.9 overall, 293.5 and 447.3 at
// elapsed 0, 295.5 and 450.6 at 30, 319.4 and 489.5 at 60, 438.3 and 674.3 at 120, 766.3
// and 1152.3 at 240 ("recent" is recent_conditional, "global" global_median).
//
// Without the correction the same model covered 0.884 at P90 and 0.466 at P50 overall,
// 0.846 at P90 in 2023, 0.341 at P50 in 2026 and 0.409 at P50 in identified. With it, P90
// is within 0.90 ± 0.02 and P50 within 0.50 ± 0.05 at every elapsed time, in every phase
// and in every year but one: 2024 is covered 0.925 at P90 (one standard error above
// 0.90), a year of short incidents after the long ones of 2023, while the correction
// comes down at the speed η allows.
//
// The pinball loss of P50 is lower than every baseline's from elapsed 30 on, where the
// model knows more than they do. At elapsed 0, where it knows little more, it is 0.5%
// higher (1.5 standard errors), and the pinball loss of P90 is 0.7–3% higher at elapsed
// 0, 30, 120 and 240. P90's loss in minutes is dominated by a few incidents that lasted
// days; only the difference at elapsed 0 (+2.0%, 2.3 standard errors) is clearly more
// than noise. Its cause is the correction's movement, not its level: a constant factor
// bringing the uncorrected model to the same coverage at elapsed 0 scores within 0.1% of
// the best baseline. It is the price of a step that follows a doubling within 100
// incidents, and the step trades it against calibration: at η = 0.0125 the P90 pinball
// loss is above the best baseline's only at elapsed 0 (+0.9%), but P90 coverage misses
// 0.90 ± 0.02 in 2023 (0.867), 2024 (0.936) and 2026 (0.924); at η = 0.1 every year is
// within it, but P90's pinball loss is 2.6–8.5% above the best baseline's at every elapsed
// time. Choosing the step online does not escape this (see "Why one fixed step"). The
// interval score of [P10, P90] is 6380 overall, against 6323 for the recent conditional
// baseline and 6445–6471 for the others; by elapsed time it is the lowest at 60 minutes
// and 0.5–2.7% above the best baseline's elsewhere.
//
// On nine other real histories (GitHub, Cloudflare and seven Atlassian products, rebuilt
// from saved summary.json snapshots the way shared/data was; table in the README, "On nine
// histories it never saw"), nothing changed, calibration generalises and the P90 pinball
// loss does not. Counted by Report.GoalMisses (goal.go):
//   - Calibration: 12 of 202 coverage checks miss their band (8 of them in the two
//     smallest histories), against 69 without the correction.
//   - Pinball: P90's loss at elapsed 0 is above the best baseline's in 9 of the 10, by 5.3%
//     on average (+1.8% uncorrected). It is significantly above in GitHub, Jira and Jira
//     Service Management, by 5–13%.
//
// The step traces one curve on all of them: η = 0.0125, 0.025, 0.05 and 0.1 miss 22, 18, 12
// and 7 coverage checks, at +2.2%, +3.1%, +5.3% and +10.3%. Correcting the quantile level
// instead of log time (Gibbs & Candès' original form) lies on it too. So do these:
//   - a level-shared offset;
//   - counting later checkpoints less;
//   - other half-lives and shrinkage strengths.
//
// The costly case is a run of misses that does not last: one service's spring-2021 misses
// raised an investigating incident's P90 factor at 0 minutes to e^0.87 within four months,
// the overall and phase offsets moving together because nearly every outcome belongs to
// both. The factor stayed between 1.6 and 3.3 through 2022, where the uncorrected model
// was already close to calibrated (0.889). That cost 21% of that year's P90 loss.
//
// Where the cost sits: nearly all of P90's extra loss comes from estimates whose factor
// e^θ exceeds e^0.75 ≈ 2.1 (Jira: +61 of +64 minutes; DigitalOcean: +18 of +17). There
// the published P90 over-covers: 3–5% missed instead of 10%, on every history examined.
// Where the factor is below e^−0.25 it under-covers (13–25% missed). Large factors come
// from runs of misses, and by the time the factor peaks the run has mostly ended.
//
// Tried against that on the ten histories, none kept:
//   - A fast offset that decays toward zero (1% per outcome) beside a slow one (η/4). It
//     moves the curve by about a point of P90 loss at equal calibration. But like DtACI it
//     fails the stationary synthetic test (monitoring P90 0.954), and on the shared
//     history identified covers 0.877.
//   - An offset per magnitude of the correction (a group for each band of θ, 0.5 wide),
//     learned like the others: no gain; more misses at the same P90 loss.
//   - Scoring delayed outcomes against the current offset instead of the published one:
//     coverage of what is published is then no longer tracked (at η = 0.1 several times
//     the misses of the fixed step).
//   - Smoothing the published offset: worse at every step tried.
//
// A range calibrated in expectation would miss a ±0.02 band in about 40% of years, and
// every step here misses far fewer. The correction is already chasing yearly noise, which
// is the price of the per-year goal.
//
// Evaluation points with fewer than BurnIn (10) resolved incidents before them are
// skipped. A replay of ~700 incidents takes about a second; its cost grows with the
// square of the history.
//
// Record.Cause and Query.Cause are carried but not used for pooling: Statuspage
// histories have no cause field, so a cause pool would be empty for every imported page.
package eta
