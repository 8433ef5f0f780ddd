# Developer shortcuts; each target is one plain command you can also run by hand.
.PHONY: run demo generate test lint bench

run:
	go run ./cmd/candor

demo:
	go run ./cmd/candor --demo

generate:
	go tool templ generate

test:
	go test ./...

lint:
	gofmt -l $$(git ls-files '*.go')
	go vet ./...

bench:
	go test -run '^$$' -bench . -benchmem ./...
