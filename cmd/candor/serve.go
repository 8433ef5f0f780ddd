package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/candorstatus/candor/demo"
	"github.com/candorstatus/candor/forecast"
	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/jobs"
	"github.com/candorstatus/candor/live"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/fcm"
	"github.com/candorstatus/candor/site"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// demoDays is how much past history --demo seeds.
const demoDays = 120

func serve(ctx context.Context, args []string, env Env) error {
	var cfg config
	fs := flagSet("serve", "candor [serve] [flags]", env)
	cfg.register(fs, env)
	sf := registerStore(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "candor serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	cfg.DataDir = *sf.dataDir
	if err := cfg.validate(); err != nil {
		return err
	}
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}

	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	clock := status.SystemClock{}
	svc := status.NewService(store, clock, log)
	svc.SetLocation(cfg.location)
	forecaster := forecast.New(store, clock, log)
	svc.SetEstimator(forecaster)

	if cfg.Demo {
		seeded, err := demo.Seed(ctx, svc, demoDays)
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		if seeded {
			log.Info("seeded demo data", "days", demoDays)
		}
	}

	// Staff start new incidents from templates; an empty store gets the default texts.
	if err := svc.SeedTemplates(ctx); err != nil {
		return fmt.Errorf("seed incident templates: %w", err)
	}

	assets, err := static.Load()
	if err != nil {
		return err
	}
	builder := site.NewBuilder(site.Config{PageID: pageID(cfg.PageName), PageName: cfg.PageName, PublicURL: cfg.PublicURL,
		Location: cfg.location}, store, assets)
	builder.SetEstimator(forecaster)
	if err := forecaster.Rebuild(ctx); err != nil {
		return fmt.Errorf("build the eta model: %w", err)
	}
	holder := site.NewHolder(builder, clock, log)
	if err := holder.Rebuild(ctx); err != nil {
		return fmt.Errorf("render the status page: %w", err)
	}
	modelChanged := throttle(modelRebuildGap, forecaster.OnChange)
	svc.Subscribe(modelChanged)
	svc.Subscribe(holder.OnChange)
	// Open pages hear of a change once the snapshot that shows it is being served.
	maxStreams, err := strconv.Atoi(envOr(env, "CANDOR_MAX_STREAMS", "100000"))
	if err != nil || maxStreams < 1 {
		return fmt.Errorf("CANDOR_MAX_STREAMS %q: want a positive number of live-update streams", envOr(env, "CANDOR_MAX_STREAMS", ""))
	}
	// Every stream holds a file descriptor; past the process's limit no connection at all
	// is accepted, pages included. Keep streams below it, with room for page requests.
	if fds, ok := fileLimit(); ok {
		if capped := capStreams(maxStreams, fds); capped < maxStreams {
			log.Warn("live-update streams capped below the file-descriptor limit; raise it (ulimit -n, LimitNOFILE) for more",
				"max_streams", capped, "requested", maxStreams, "fd_limit", fds)
			maxStreams = capped
		}
	}
	hub := live.NewHub(live.Config{Revision: holder.Current().Revision, Log: log, MaxStreams: maxStreams})
	defer hub.Close()
	feed := live.NewFeeder(hub, func() int64 { return holder.Current().Revision }, holder.Built)
	svc.Subscribe(func(c status.Change) { feed.Notify(live.Event{Revision: c.Revision, Kind: c.Kind, ID: c.ID}) })

	sender, err := newSender(ctx, env, log)
	if err != nil {
		return err
	}
	svc.SetNotifier(&notifier.Planner{PageName: cfg.PageName, PublicURL: cfg.PublicURL, Location: cfg.location})
	lease, err := time.ParseDuration(envOr(env, "CANDOR_OUTBOX_LEASE", dispatch.DefaultLease.String()))
	if err != nil || lease < 3*time.Second {
		return fmt.Errorf("CANDOR_OUTBOX_LEASE %q: want a duration of at least 3s, e.g. 15s", envOr(env, "CANDOR_OUTBOX_LEASE", ""))
	}
	disp := dispatch.New(dispatch.Config{Sender: sender, Queue: dispatch.NewStoreQueue(store), Clock: clock, Log: log, Lease: lease})
	svc.OnJobs(disp.Wake)

	sched := jobs.New(log, store.locker)
	if err := jobs.AddStandard(sched, svc); err != nil {
		return err
	}
	if err := sched.Add("outbox-sweeper", jobs.OutboxSweepSpec, 10*time.Second, func(context.Context) error {
		disp.Wake() // a safety net: the dispatcher is normally woken by each commit
		return nil
	}); err != nil {
		return err
	}
	// Expired console sessions are refused anyway; sweeping keeps the table small.
	if err := sched.Add("session-sweep", "0 */10 * * * *", time.Minute, func(ctx context.Context) error {
		_, err := svc.SweepSessions(ctx)
		return err
	}); err != nil {
		return err
	}

	e := handlers.New(handlers.Deps{Service: svc, Site: holder, Builder: builder, Assets: assets, Log: log, Live: hub,
		Jobs: sched, DefaultLang: templates.Korean, TrustProxy: envOr(env, "CANDOR_TRUST_PROXY", "") == "1", Outbox: disp})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	srv.RegisterOnShutdown(hub.Close) // streams end at once; browsers reconnect to the next server

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go holder.Run(runCtx)
	go forecaster.Run(runCtx)
	go feed.Run(runCtx)
	if store.listen != nil {
		// Another replica committed: rebuild this one's snapshot and model, tell its open
		// pages, and look for pushes a dead replica left behind. The holder's periodic
		// revision check is the safety net if a notification is lost.
		go func() {
			err := store.listen(runCtx, func(rev int64) {
				holder.Notify()
				modelChanged(status.Change{Revision: rev, Kind: "incident"})
				feed.Notify(live.Event{Revision: rev, Kind: "change"})
				disp.Wake()
			})
			if err != nil && runCtx.Err() == nil {
				log.Error("listening for other replicas' changes stopped", "err", err)
			}
		}()
	}
	dispatched := make(chan struct{})
	go func() { defer close(dispatched); disp.Run(runCtx) }()
	defer func() { cancel(); <-dispatched }()
	sched.Start(runCtx)
	defer sched.Stop()
	// Daily uptime runs hourly; catch up now so a fresh or restarted server reports past
	// days at once rather than after the next hour's run.
	go func() {
		if err := sched.RunNow("uptime-rollup"); err != nil && runCtx.Err() == nil {
			log.Warn("start-up uptime roll-up failed; the hourly run will retry", "err", err)
		}
	}()

	url := "http://" + ln.Addr().String()
	log.Info("candor is serving", "url", url, "public_url", cfg.PublicURL, "store", store.desc, "timezone", cfg.Timezone)
	fmt.Fprintf(env.Stdout, "Candor is serving %s (%s). Press Ctrl-C to stop.\n", url, store.desc)
	if keys, err := svc.APIKeys(ctx); err == nil && !hasActiveKey(keys) {
		hint := fmt.Sprintf("go run ./cmd/candor apikey create --data-dir %s --name admin --scope admin", cfg.DataDir)
		log.Info("no staff API key exists yet; create one to post incidents", "command", hint)
		fmt.Fprintf(env.Stdout, "No staff API key yet. Make one with:\n  %s\n", hint)
	}
	if users, err := svc.Users(ctx); err == nil && len(users) == 0 {
		hint := fmt.Sprintf("go run ./cmd/candor user create --data-dir %s --name admin --role admin", cfg.DataDir)
		log.Info("no console user exists yet; create one to use the staff console at /admin", "command", hint)
		fmt.Fprintf(env.Stdout, "No staff console user yet. Make one with:\n  %s\n", hint)
	}
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func hasActiveKey(keys []status.APIKey) bool {
	for _, k := range keys {
		if k.RevokedAt.IsZero() {
			return true
		}
	}
	return false
}

// pageID is the stable page id in /api/v2 documents.
func pageID(name string) string {
	if id := status.Slug(name); id != "" {
		return id
	}
	return "candor"
}

// newSender picks FCM (real, or an FCM-compatible server at CANDOR_FCM_ENDPOINT) from the
// environment, or a sender that only logs what it would send.
func newSender(ctx context.Context, env Env, log *slog.Logger) (notifier.Sender, error) {
	cfg, ok := fcm.ConfigFromEnv(env.Getenv)
	if !ok {
		log.Warn("push notifications are not configured: logging what would be sent instead " +
			"(set CANDOR_FCM_PROJECT_ID and GOOGLE_APPLICATION_CREDENTIALS, or CANDOR_FCM_ENDPOINT)")
		return notifier.NewLogSender(log), nil
	}
	s, err := fcm.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("set up FCM: %w", err)
	}
	if cfg.Endpoint != "" {
		log.Info("push notifications go to an FCM-compatible server", "endpoint", cfg.Endpoint)
	} else {
		log.Info("push notifications go to FCM", "project", cfg.ProjectID)
	}
	return s, nil
}
