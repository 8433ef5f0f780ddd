package main

import (
	"context"
	"fmt"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/fcmfake"
)

// fcmfakeCmd runs the FCM-compatible fake server, printing every push it accepts, so a demo
// shows real pushes without a Firebase project:
//
//	candor fcmfake --addr 127.0.0.1:9099 &
//	CANDOR_FCM_ENDPOINT=http://127.0.0.1:9099 candor --demo
func fcmfakeCmd(ctx context.Context, args []string, env Env) error {
	fs := flagSet("fcmfake", "candor fcmfake [--addr HOST:PORT]", env)
	addr := fs.String("addr", "127.0.0.1:9099", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fake := fcmfake.New()
	fake.RecordBodies(false) // a long demo must not grow without bound
	fake.OnAccept(func(m fcmfake.Received) {
		target := "condition " + m.Condition
		switch {
		case m.Token != "":
			target = "token " + notifier.RedactToken(m.Token)
		case m.Topic != "":
			target = "topic " + m.Topic
		}
		fmt.Fprintf(env.Stdout, "push → %s [collapse %s, ttl %s, priority %s]\n  %s\n  %s\n",
			target, m.Android.CollapseKey, m.Android.TTL, m.Android.Priority, m.Title, m.Body)
	})
	url, stop, err := fake.StartOn(*addr)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(env.Stdout, "fake FCM listening on %s; run Candor with CANDOR_FCM_ENDPOINT=%s\n", url, url)
	<-ctx.Done()
	return nil
}
