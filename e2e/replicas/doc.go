// Package replicas holds the integration test that runs several Candor processes against
// one PostgreSQL database: changes posted on one replica show on the others within a
// second, and pushes survive a replica killed while it sends them.
package replicas
