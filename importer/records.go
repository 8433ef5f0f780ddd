package importer

import (
	"fmt"

	"github.com/candorstatus/candor/eta"
	"github.com/candorstatus/candor/eta/estimator"
	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/statuspagev2"
)

// ReadRecords is Records of the Statuspage history in the file at path.
func ReadRecords(path string) ([]eta.Record, error) {
	incs, err := statuspagev2.ParseIncidentsFile(path)
	if err != nil {
		return nil, err
	}
	return Records(incs)
}

// Records reads a Statuspage incident history the way production learns from it:
// converted as `candor import statuspage` stores it (Incidents), then reduced by
// estimator.Record. The ETA backtest uses it so that it measures the model on the history
// production would hold. It lives here, beside the vendor format, so that the model's
// packages never import a vendor's wire format.
func Records(incs []statuspagev2.Incident) ([]eta.Record, error) {
	conv, _, err := Incidents(incs, lang.English) // the texts do not matter to the model
	if err != nil {
		return nil, fmt.Errorf("convert statuspage history: %w", err)
	}
	recs := make([]eta.Record, len(conv))
	for i, inc := range conv {
		recs[i] = estimator.Record(inc)
	}
	return recs, nil
}
