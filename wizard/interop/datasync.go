package interop

import (
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/internal/wording"
)

// DataSync's control file, .sij job and config.json, as the DataSync 1.9.9
// source reads them (socrata-api.md §6), for the export and for reading a
// DataSync job. Structs rather than maps keep the keys in the order
// DataSync's own GUI writes them, which is easier to read and to compare
// with DataSync's documentation.

// dsControl is a control file: the action and how to read the file.
type dsControl struct {
	Action string      `json:"action"`
	CSV    *dsFileType `json:"csv,omitempty"`
	TSV    *dsFileType `json:"tsv,omitempty"`
}

// dsFileType is the csv/tsv section. DataSync rejects unknown keys here,
// so only documented keys appear.
type dsFileType struct {
	Columns                 []string              `json:"columns"`
	IgnoreColumns           []string              `json:"ignoreColumns"`
	Skip                    int                   `json:"skip"`
	Encoding                string                `json:"encoding"`
	Separator               string                `json:"separator"`
	Quote                   string                `json:"quote"`
	EmptyTextIsNull         bool                  `json:"emptyTextIsNull"`
	TrimWhitespace          bool                  `json:"trimWhitespace"`
	TrimServerWhitespace    bool                  `json:"trimServerWhitespace"`
	FloatingTimestampFormat []string              `json:"floatingTimestampFormat"`
	FixedTimestampFormat    []string              `json:"fixedTimestampFormat"`
	Timezone                string                `json:"timezone,omitempty"`
	Overrides               map[string]dsOverride `json:"overrides"`
	SyntheticPoints         map[string]dsPoint    `json:"syntheticPoints,omitempty"`
	SetAsideErrors          bool                  `json:"setAsideErrors"`
}

// dsOverride is a column's own timestamp formats and zone.
type dsOverride struct {
	TimestampFormat []string `json:"timestampFormat,omitempty"`
	Timezone        string   `json:"timezone,omitempty"`
}

// dsPoint builds a point column from a latitude and a longitude column
// (DataSync's syntheticPoints).
type dsPoint struct {
	Type      string `json:"type"`
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
}

// dsJob is a .sij job file, which names the dataset and the data file and
// holds the control file.
type dsJob struct {
	DatasetID                 string `json:"datasetID"`
	FileToPublish             string `json:"fileToPublish"`
	PublishMethod             string `json:"publishMethod"`
	FileToPublishHasHeaderRow bool   `json:"fileToPublishHasHeaderRow"`
	PublishViaDi2Http         bool   `json:"publishViaDi2Http"`
	PublishViaFTP             bool   `json:"publishViaFTP"`
	IsPostNbeification        bool   `json:"isPostNbeification"`
	FileVersionUID            int    `json:"fileVersionUID"`
	// ControlFileContent holds the control file as a JSON string. Only
	// this is written, never pathToControlFile too: DataSync aborts when
	// both are present and differ in any way.
	ControlFileContent string `json:"controlFileContent"`
}

// dsConfig is config.json, DataSync's settings: the portal and login,
// and the e-mail, chunking and proxy settings left empty.
type dsConfig struct {
	Domain                   string `json:"domain"`
	Username                 string `json:"username"`
	Password                 string `json:"password"`
	AppToken                 string `json:"appToken"`
	AdminEmail               string `json:"adminEmail"`
	EmailUponError           string `json:"emailUponError"`
	LogDatasetID             string `json:"logDatasetID"`
	OutgoingMailServer       string `json:"outgoingMailServer"`
	SMTPPort                 string `json:"smtpPort"`
	SSLPort                  string `json:"sslPort"`
	SMTPUsername             string `json:"smtpUsername"`
	SMTPPassword             string `json:"smtpPassword"`
	FilesizeChunkingCutoffMB string `json:"filesizeChunkingCutoffMB"`
	NumRowsPerChunk          string `json:"numRowsPerChunk"`
	ProxyHost                string `json:"proxyHost"`
	ProxyPort                string `json:"proxyPort"`
	ProxyUsername            string `json:"proxyUsername"`
	ProxyPassword            string `json:"proxyPassword"`
}

// dataSyncConfigFile is the name of the DataSync settings template. It is
// shared by every job exported to the same folder, and never overwritten,
// because a person may have filled in the password.
const dataSyncConfigFile = "config.json"

// dsEncodings maps job encodings to the Java charset names DataSync takes.
var dsEncodings = map[string]string{
	"utf-8": "UTF-8", "iso-8859-1": "ISO-8859-1", "windows-1252": "windows-1252",
	"utf-16le": "UTF-16LE", "utf-16be": "UTF-16BE",
}

// dataSyncAction is the control file's action for a method.
func dataSyncAction(m wizard.Method) string {
	return wording.Capital(m.String())
}
