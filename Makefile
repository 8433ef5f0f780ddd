# Developer shortcuts; each target is one plain command you can also run by hand.
.PHONY: run demo generate test lint bench

run:
	go run ./cmd/candor

demo:
	go run ./cmd/candor --demo

generate:
	go tool templ generate

# go test ./..., then which suites skipped for a missing service (README "The two commands").
test:
	go run ./internal/testenv/gotest ./...

# gofmt -l lists unformatted files but exits 0 either way; test its output instead.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

bench:
	go test -run '^$$' -bench . -benchmem ./...
