// Package app builds a Candor server from one Config — the store, the domain service, the
// ETA model, the public snapshots, live updates, the push outbox, the periodic jobs and the
// HTTP handlers — and starts and stops it. `candor serve` and tests construct it the same
// way, so what is tested is how it is wired.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/candorstatus/candor/demo"
	"github.com/candorstatus/candor/eta/estimator"
	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/live"
	"github.com/candorstatus/candor/metrics"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/fcm"
	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/probe"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
)

// DemoDays is how much past history --demo seeds.
const DemoDays = 120

// App is a built server. New builds it (reading the store once, so the first page and the
// model are ready before it listens); Start serves; Stop stops and releases everything.
type App struct {
	Config     Config
	Log        *slog.Logger
	Store      *Store
	Service    *status.Service
	Estimator  *estimator.Estimator
	Builder    *snapshot.Builder
	Site       *snapshot.Holder
	Hub        *live.Hub
	Dispatcher *dispatch.Dispatcher
	Mailer     *dispatch.EmailDispatcher // delivers subscriber emails
	Webhooks   *dispatch.WebhookDispatcher
	Jobs       *periodic.Scheduler
	Metrics    *metrics.Metrics
	Handler    http.Handler

	feed         *live.Feeder
	modelChanged func(status.Change) // the model's subscriber, throttled
	srv          *http.Server
	ln           net.Listener
	cancel       context.CancelFunc
	wg           sync.WaitGroup
	errc         chan error
}

// New builds the server described by cfg, logging to log. On error everything opened so
// far is closed.
func New(ctx context.Context, cfg Config, log *slog.Logger) (a *App, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a = &App{Config: cfg, Log: log, errc: make(chan error, 1)}
	if a.Store, err = OpenStore(ctx, cfg.DataDir, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.Store.Close()
		}
	}()
	// Every part reads and writes through the timed store, so /metrics shows what each
	// transaction costs.
	a.Metrics = metrics.New()
	a.Store.Store = a.Metrics.Store(a.Store.Store)
	clock := status.SystemClock{}
	a.Service = status.NewService(a.Store, clock, log)
	a.Service.SetLocation(cfg.Location)
	a.Service.SetSignalHold(cfg.SignalHold)
	a.Estimator = estimator.New(a.Store, clock, log)
	a.Service.SetEstimator(a.Estimator)

	if cfg.Demo {
		seeded, err := demo.Seed(ctx, a.Service, DemoDays)
		if err != nil {
			return nil, fmt.Errorf("seed demo data: %w", err)
		}
		if seeded {
			log.Info("seeded demo data", "days", DemoDays)
		}
	}
	// Staff start new incidents from templates; an empty store gets the default texts.
	if err := a.Service.SeedTemplates(ctx); err != nil {
		return nil, fmt.Errorf("seed incident templates: %w", err)
	}

	assets, err := static.Load()
	if err != nil {
		return nil, err
	}
	a.Builder = snapshot.NewBuilder(snapshot.Config{PageID: cfg.PageID(), PageName: cfg.PageName, DefaultLang: cfg.DefaultLang,
		PublicURL: cfg.PublicURL, Location: cfg.Location, PublicWebhooks: cfg.SMTPOn}, a.Store, assets)
	a.Builder.SetEstimator(a.Estimator)
	if err := a.Estimator.Rebuild(ctx); err != nil {
		return nil, fmt.Errorf("build the eta model: %w", err)
	}
	a.Site = snapshot.NewHolder(a.Builder, clock, log)
	a.Site.SetObserver(a.Metrics.ObserveRebuild)
	if err := a.Site.Rebuild(ctx); err != nil {
		return nil, fmt.Errorf("render the status page: %w", err)
	}
	a.modelChanged = throttle(modelRebuildGap, a.Estimator.OnChange)
	a.Service.Subscribe(a.modelChanged)
	a.Service.Subscribe(a.Site.OnChange)

	// Every stream holds a file descriptor; past the process's limit no connection at all
	// is accepted, pages included. Keep streams below it, with room for page requests.
	maxStreams := cfg.MaxStreams
	if fds, ok := fileLimit(); ok {
		if capped := capStreams(maxStreams, fds); capped < maxStreams {
			log.Warn("live-update streams capped below the file-descriptor limit; raise it (ulimit -n, LimitNOFILE) for more",
				"max_streams", capped, "requested", maxStreams, "fd_limit", fds)
			maxStreams = capped
		}
	}
	a.Hub = live.NewHub(live.Config{Revision: a.Site.Current().Revision, Log: log, MaxStreams: maxStreams})
	// Open pages hear of a change once the snapshot that shows it is being served.
	a.feed = live.NewFeeder(a.Hub, func() int64 { return a.Site.Current().Revision }, a.Site.Built)
	a.Service.Subscribe(func(c status.Change) { a.feed.Notify(live.Event{Revision: c.Revision, Kind: c.Kind, ID: c.ID}) })

	sender, err := newSender(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	sender = a.Metrics.Sender(sender)
	a.Service.SetNotifier(&notifier.Planner{PageName: cfg.PageName, DefaultLang: cfg.DefaultLang, PublicURL: cfg.PublicURL,
		Location: cfg.Location, Email: email.Planner{}})
	a.Dispatcher = dispatch.New(dispatch.Config{Sender: sender, Queue: dispatch.NewStoreQueue(a.Store), Clock: clock, Log: log,
		Lease: cfg.OutboxLease})
	a.Service.OnJobs(a.Dispatcher.Wake)
	a.Mailer = dispatch.NewEmail(dispatch.EmailConfig{Sender: a.Metrics.MailSender(newMailSender(cfg, log)), Store: a.Store, Clock: clock, Log: log,
		From: cfg.MailFrom, PublicURL: cfg.PublicURL, PageName: cfg.PageName, DefaultLang: cfg.DefaultLang,
		Connections: cfg.SMTPConns, Rate: cfg.SMTPRate, Lease: cfg.OutboxLease})
	a.Service.OnJobs(a.Mailer.Wake)
	guard := webhook.Guard{AllowPrivate: cfg.WebhookAllowPrivate}
	a.Service.SetWebhooks(&webhook.Planner{Builder: a.Builder}, guard.CheckURL)
	a.Webhooks = dispatch.NewWebhookDispatcher(dispatch.WebhookConfig{Store: a.Store, Guard: guard, Clock: clock, Log: log,
		Timeout: cfg.WebhookTimeout, BaseBackoff: cfg.WebhookBackoff, GiveUpAfter: cfg.WebhookRetryFor,
		DisableAfter: cfg.WebhookDisableAfter, Observe: a.Metrics.ObserveWebhook, PublicURL: cfg.PublicURL,
		// An endpoint disabled after failing: its contact is emailed (a job queued with the
		// disabling) when mail is really sent.
		MailOwners: cfg.SMTPOn, OnDisable: func(string, string) { a.Mailer.Wake() }})
	a.Service.OnJobs(a.Webhooks.Wake)

	a.Jobs = periodic.New(log, a.Store.Locker)
	if err := a.addJobs(); err != nil {
		return nil, err
	}
	a.Handler = handlers.New(handlers.Deps{Service: a.Service, Site: a.Site, Builder: a.Builder, Assets: assets, Log: log,
		Live: a.Hub, Jobs: a.Jobs, DefaultLang: cfg.DefaultLang, TrustProxy: cfg.TrustProxy, Outbox: a.Dispatcher,
		Metrics: a.Metrics, PublicWebhooks: cfg.SMTPOn})
	return a, nil
}

func (a *App) addJobs() error {
	if err := periodic.AddStandard(a.Jobs, a.Service); err != nil {
		return err
	}
	prober := &probe.Runner{Service: a.Service, Checker: &probe.Checker{}, Log: a.Log}
	if err := periodic.AddProbes(a.Jobs, a.Service, prober.Run); err != nil {
		return err
	}
	if err := a.Jobs.Add("outbox-sweeper", periodic.OutboxSweepSpec, 10*time.Second, func(context.Context) error {
		a.Dispatcher.Wake() // a safety net: the dispatcher is normally woken by each commit
		a.Mailer.Wake()
		a.Webhooks.Wake()
		return nil
	}); err != nil {
		return err
	}
	// Links in old emails expire; their hashes need not be kept.
	if err := a.Jobs.Add("link-token-sweep", "0 17 * * * *", time.Minute, func(ctx context.Context) error {
		_, err := a.Service.SweepLinkTokens(ctx)
		return err
	}); err != nil {
		return err
	}
	// Finished webhook deliveries are listed for 30 days, then forgotten.
	if err := a.Jobs.Add("webhook-sweep", "0 47 * * * *", time.Minute, func(ctx context.Context) error {
		_, err := a.Service.SweepWebhookDeliveries(ctx)
		return err
	}); err != nil {
		return err
	}
	// Finished push and email jobs are listed for 30 days, then deleted.
	if err := a.Jobs.Add("outbox-prune", "0 27 * * * *", 5*time.Minute, func(ctx context.Context) error {
		_, err := a.Service.SweepJobs(ctx)
		return err
	}); err != nil {
		return err
	}
	// Expired console sessions are refused anyway; sweeping keeps the table small.
	return a.Jobs.Add("session-sweep", "0 */10 * * * *", time.Minute, func(ctx context.Context) error {
		_, err := a.Service.SweepSessions(ctx)
		return err
	})
}

// Start listens on the configured address and runs everything in the background: the HTTP
// server, snapshot and model rebuilds, live updates, the push dispatcher, the jobs and, on
// PostgreSQL, the listener for other replicas' changes. It returns the address it listens
// on. Serving errors are reported by Wait.
func (a *App) Start(ctx context.Context) (string, error) {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	a.ln = ln
	a.srv = &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	a.srv.RegisterOnShutdown(a.Hub.Close) // streams end at once; browsers reconnect to the next server

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	a.spawn(func() { a.Site.Run(runCtx) })
	a.spawn(func() { a.Estimator.Run(runCtx) })
	a.spawn(func() { a.feed.Run(runCtx) })
	a.spawn(func() { a.Dispatcher.Run(runCtx) })
	a.spawn(func() { a.Mailer.Run(runCtx) })
	a.spawn(func() { a.Webhooks.Run(runCtx) })
	if a.Store.Listen != nil {
		// Another replica committed: rebuild this one's snapshot and model, tell its open
		// pages, and look for pushes a dead replica left behind. The holder's periodic
		// revision check is the safety net if a notification is lost.
		a.spawn(func() {
			err := a.Store.Listen(runCtx, func(rev int64, kind string) {
				a.Site.Notify()
				a.modelChanged(status.Change{Revision: rev, Kind: kind})
				a.feed.Notify(live.Event{Revision: rev, Kind: "change"})
				a.Dispatcher.Wake()
				a.Mailer.Wake()
				a.Webhooks.Wake()
			})
			if err != nil && runCtx.Err() == nil {
				a.Log.Error("listening for other replicas' changes stopped", "err", err)
			}
		})
	}
	a.Jobs.Start(runCtx)
	// Daily uptime runs hourly; catch up now so a fresh or restarted server reports past
	// days at once rather than after the next hour's run.
	a.spawn(func() {
		if err := a.Jobs.RunNow("uptime-rollup"); err != nil && runCtx.Err() == nil {
			a.Log.Warn("start-up uptime roll-up failed; the hourly run will retry", "err", err)
		}
	})
	go func() {
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.errc <- fmt.Errorf("serve: %w", err)
		}
	}()
	a.Log.Info("candor is serving", "url", "http://"+ln.Addr().String(), "public_url", a.Config.PublicURL,
		"store", a.Store.Desc, "timezone", a.Config.Timezone())
	return ln.Addr().String(), nil
}

func (a *App) spawn(fn func()) {
	a.wg.Add(1)
	go func() { defer a.wg.Done(); fn() }()
}

// Wait returns when ctx ends (nil) or serving fails (the error).
func (a *App) Wait(ctx context.Context) error {
	select {
	case err := <-a.errc:
		return err
	case <-ctx.Done():
		return nil
	}
}

// Stop shuts the HTTP server down (waiting for requests in flight until ctx ends), stops
// the jobs and the background work, and closes the store. It is safe on an App that was
// never started.
func (a *App) Stop(ctx context.Context) error {
	var err error
	if a.srv != nil {
		if serr := a.srv.Shutdown(ctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = fmt.Errorf("shutdown: %w", serr)
		}
	}
	if a.cancel != nil {
		a.cancel()
		a.Jobs.Stop()
		a.wg.Wait() // the dispatcher finishes the sends in flight and records them
	}
	a.Hub.Close()
	return errors.Join(err, a.Store.Close())
}

// newSender picks FCM (real, or an FCM-compatible server) as cfg says, or a sender that
// only logs what it would send; the log says which delivery channels are live.
func newSender(ctx context.Context, cfg Config, log *slog.Logger) (notifier.Sender, error) {
	if !cfg.FCMOn {
		log.Warn("delivery channels: push notifications are only logged, not sent "+
			"(set CANDOR_FCM_PROJECT_ID and GOOGLE_APPLICATION_CREDENTIALS, or CANDOR_FCM_ENDPOINT)", "push", "log only")
		return notifier.NewLogSender(log), nil
	}
	s, err := fcm.New(ctx, cfg.FCM)
	if err != nil {
		return nil, fmt.Errorf("set up FCM (%s): %w", cfg.FCM.Describe(), err)
	}
	log.Info("delivery channels: push notifications are sent", "push", cfg.FCM.Describe())
	return s, nil
}

// newMailSender picks the SMTP server cfg names, or a sender that only logs emails.
func newMailSender(cfg Config, log *slog.Logger) email.Sender {
	if !cfg.SMTPOn {
		log.Warn("delivery channels: subscriber emails are only logged, not sent (set CANDOR_SMTP_URL and CANDOR_MAIL_FROM)", "email", "log only")
		return email.LogSender{Log: log}
	}
	log.Info("delivery channels: subscriber emails are sent", "email", cfg.SMTP.Redacted(), "from", cfg.MailFrom,
		"connections", cfg.SMTPConns, "rate", cfg.SMTPRate)
	return email.NewSMTP(cfg.SMTP, nil)
}
