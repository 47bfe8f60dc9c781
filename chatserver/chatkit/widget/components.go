package widget

// Layout holds the flex-box props shared by Box, Row, Col and Form.
// Sizes and spacings are a number (spacing units) or a CSS string; Padding
// and Margin may also be a map with top/right/bottom/left/x/y keys.
type Layout struct {
	Align       string `json:"align,omitempty"`   // start, center, end, baseline, stretch
	Justify     string `json:"justify,omitempty"` // start, center, end, between, around, evenly, stretch
	Wrap        string `json:"wrap,omitempty"`    // nowrap, wrap, wrap-reverse
	Flex        any    `json:"flex,omitempty"`
	Gap         any    `json:"gap,omitempty"`
	Height      any    `json:"height,omitempty"`
	Width       any    `json:"width,omitempty"`
	Size        any    `json:"size,omitempty"`
	MinHeight   any    `json:"minHeight,omitempty"`
	MinWidth    any    `json:"minWidth,omitempty"`
	MaxHeight   any    `json:"maxHeight,omitempty"`
	MaxWidth    any    `json:"maxWidth,omitempty"`
	Padding     any    `json:"padding,omitempty"`
	Margin      any    `json:"margin,omitempty"`
	Border      any    `json:"border,omitempty"`
	Radius      string `json:"radius,omitempty"` // 2xs … 4xl, full, 100%, none
	Background  string `json:"background,omitempty"`
	AspectRatio any    `json:"aspectRatio,omitempty"`
}

// Box is a flex container laid out in Direction ("row" or "col").
type Box struct {
	ID        string      `json:"id,omitempty"`
	Key       string      `json:"key,omitempty"`
	Children  []Component `json:"children,omitempty"`
	Direction string      `json:"direction,omitempty"`
	Layout
}

// Row is a horizontal flex container.
type Row struct {
	ID       string      `json:"id,omitempty"`
	Key      string      `json:"key,omitempty"`
	Children []Component `json:"children,omitempty"`
	Layout
}

// Col is a vertical flex container.
type Col struct {
	ID       string      `json:"id,omitempty"`
	Key      string      `json:"key,omitempty"`
	Children []Component `json:"children,omitempty"`
	Layout
}

// Form is a container whose fields' values are merged into the payload of
// OnSubmitAction, keyed by each field's name (a dotted name nests).
type Form struct {
	ID             string      `json:"id,omitempty"`
	Key            string      `json:"key,omitempty"`
	Children       []Component `json:"children,omitempty"`
	OnSubmitAction *Action     `json:"onSubmitAction,omitempty"`
	Direction      string      `json:"direction,omitempty"`
	Layout
}

// Text is plain text. A Text with an ID and Streaming set can grow through
// widget.streaming_text.value_delta updates (see chatkit.DiffWidget).
type Text struct {
	ID          string `json:"id,omitempty"`
	Key         string `json:"key,omitempty"`
	Value       string `json:"value"`
	Streaming   bool   `json:"streaming,omitempty"`
	Italic      bool   `json:"italic,omitempty"`
	LineThrough bool   `json:"lineThrough,omitempty"`
	Color       string `json:"color,omitempty"`
	Weight      string `json:"weight,omitempty"` // normal, medium, semibold, bold
	Width       any    `json:"width,omitempty"`
	Size        string `json:"size,omitempty"`      // xs, sm, md, lg, xl
	TextAlign   string `json:"textAlign,omitempty"` // start, center, end
	Truncate    bool   `json:"truncate,omitempty"`
	MinLines    int    `json:"minLines,omitempty"`
	MaxLines    int    `json:"maxLines,omitempty"`
}

// Title is heading text.
type Title struct {
	ID        string `json:"id,omitempty"`
	Key       string `json:"key,omitempty"`
	Value     string `json:"value"`
	Color     string `json:"color,omitempty"`
	Weight    string `json:"weight,omitempty"`
	Size      string `json:"size,omitempty"` // sm, md, lg, xl, 2xl … 5xl
	TextAlign string `json:"textAlign,omitempty"`
	Truncate  bool   `json:"truncate,omitempty"`
	MaxLines  int    `json:"maxLines,omitempty"`
}

// Caption is small secondary text.
type Caption struct {
	ID        string `json:"id,omitempty"`
	Key       string `json:"key,omitempty"`
	Value     string `json:"value"`
	Color     string `json:"color,omitempty"`
	Weight    string `json:"weight,omitempty"`
	Size      string `json:"size,omitempty"` // sm, md, lg
	TextAlign string `json:"textAlign,omitempty"`
	Truncate  bool   `json:"truncate,omitempty"`
	MaxLines  int    `json:"maxLines,omitempty"`
}

// Markdown is rendered markdown; like Text it can stream.
type Markdown struct {
	ID        string `json:"id,omitempty"`
	Key       string `json:"key,omitempty"`
	Value     string `json:"value"`
	Streaming bool   `json:"streaming,omitempty"`
}

// Badge is a small label.
type Badge struct {
	ID      string `json:"id,omitempty"`
	Key     string `json:"key,omitempty"`
	Label   string `json:"label"`
	Color   string `json:"color,omitempty"`   // secondary, success, danger, warning, info, discovery
	Variant string `json:"variant,omitempty"` // solid, soft, outline
	Size    string `json:"size,omitempty"`    // sm, md, lg
	Pill    bool   `json:"pill,omitempty"`
}

// Button sends OnClickAction when clicked (or submits its form).
type Button struct {
	ID            string  `json:"id,omitempty"`
	Key           string  `json:"key,omitempty"`
	Label         string  `json:"label,omitempty"`
	OnClickAction *Action `json:"onClickAction,omitempty"`
	Submit        bool    `json:"submit,omitempty"`
	IconStart     string  `json:"iconStart,omitempty"` // see chatkit.ValidIcon
	IconEnd       string  `json:"iconEnd,omitempty"`
	Style         string  `json:"style,omitempty"` // primary, secondary
	IconSize      string  `json:"iconSize,omitempty"`
	Color         string  `json:"color,omitempty"`   // primary, secondary, info, discovery, success, caution, warning, danger
	Variant       string  `json:"variant,omitempty"` // solid, soft, outline, ghost
	Size          string  `json:"size,omitempty"`    // 3xs … 3xl
	Pill          bool    `json:"pill,omitempty"`
	Uniform       bool    `json:"uniform,omitempty"`
	Block         bool    `json:"block,omitempty"`
	Disabled      bool    `json:"disabled,omitempty"`
}

// Checkbox is a form field named Name.
type Checkbox struct {
	ID             string  `json:"id,omitempty"`
	Key            string  `json:"key,omitempty"`
	Name           string  `json:"name"`
	Label          string  `json:"label,omitempty"`
	DefaultChecked bool    `json:"defaultChecked,omitempty"`
	OnChangeAction *Action `json:"onChangeAction,omitempty"`
	Disabled       bool    `json:"disabled,omitempty"`
	Required       bool    `json:"required,omitempty"`
}

// Input is a single-line form field named Name.
type Input struct {
	ID           string `json:"id,omitempty"`
	Key          string `json:"key,omitempty"`
	Name         string `json:"name"`
	InputType    string `json:"inputType,omitempty"` // number, email, text, password, tel, url
	DefaultValue string `json:"defaultValue,omitempty"`
	Required     bool   `json:"required,omitempty"`
	Pattern      string `json:"pattern,omitempty"`
	Placeholder  string `json:"placeholder,omitempty"`
	AutoFocus    bool   `json:"autoFocus,omitempty"`
	AutoSelect   bool   `json:"autoSelect,omitempty"`
	Disabled     bool   `json:"disabled,omitempty"`
	Variant      string `json:"variant,omitempty"` // soft, outline
	Size         string `json:"size,omitempty"`
	GutterSize   string `json:"gutterSize,omitempty"`
	Pill         bool   `json:"pill,omitempty"`
}

// Select is a drop-down form field named Name.
type Select struct {
	ID             string         `json:"id,omitempty"`
	Key            string         `json:"key,omitempty"`
	Name           string         `json:"name"`
	Options        []SelectOption `json:"options"`
	OnChangeAction *Action        `json:"onChangeAction,omitempty"`
	Placeholder    string         `json:"placeholder,omitempty"`
	DefaultValue   string         `json:"defaultValue,omitempty"`
	Variant        string         `json:"variant,omitempty"`
	Size           string         `json:"size,omitempty"`
	Pill           bool           `json:"pill,omitempty"`
	Block          bool           `json:"block,omitempty"`
	Clearable      bool           `json:"clearable,omitempty"`
	Disabled       bool           `json:"disabled,omitempty"`
	Searchable     bool           `json:"searchable,omitempty"`
}

// SelectOption is one choice of a Select.
type SelectOption struct {
	Value       string `json:"value"`
	Label       string `json:"label"`
	Disabled    bool   `json:"disabled,omitempty"`
	Description string `json:"description,omitempty"`
}

// DatePicker is a date form field named Name; DefaultValue, Min and Max are
// ISO dates or datetimes.
type DatePicker struct {
	ID             string  `json:"id,omitempty"`
	Key            string  `json:"key,omitempty"`
	Name           string  `json:"name"`
	OnChangeAction *Action `json:"onChangeAction,omitempty"`
	Placeholder    string  `json:"placeholder,omitempty"`
	DefaultValue   string  `json:"defaultValue,omitempty"`
	Min            string  `json:"min,omitempty"`
	Max            string  `json:"max,omitempty"`
	Variant        string  `json:"variant,omitempty"`
	Size           string  `json:"size,omitempty"`
	Side           string  `json:"side,omitempty"`  // top, bottom, left, right
	Align          string  `json:"align,omitempty"` // start, center, end
	Pill           bool    `json:"pill,omitempty"`
	Block          bool    `json:"block,omitempty"`
	Clearable      bool    `json:"clearable,omitempty"`
	Disabled       bool    `json:"disabled,omitempty"`
}

// Label labels the form field named FieldName.
type Label struct {
	ID        string `json:"id,omitempty"`
	Key       string `json:"key,omitempty"`
	Value     string `json:"value"`
	FieldName string `json:"fieldName"`
	Size      string `json:"size,omitempty"`
	Weight    string `json:"weight,omitempty"`
	TextAlign string `json:"textAlign,omitempty"`
	Color     string `json:"color,omitempty"`
}

// Divider is a horizontal rule.
type Divider struct {
	ID      string `json:"id,omitempty"`
	Key     string `json:"key,omitempty"`
	Color   string `json:"color,omitempty"`
	Size    any    `json:"size,omitempty"`
	Spacing any    `json:"spacing,omitempty"`
	Flush   bool   `json:"flush,omitempty"`
}

// Spacer takes the free space of a flex container.
type Spacer struct {
	ID      string `json:"id,omitempty"`
	Key     string `json:"key,omitempty"`
	MinSize any    `json:"minSize,omitempty"`
}

// Icon shows a built-in icon (see chatkit.ValidIcon).
type Icon struct {
	ID    string `json:"id,omitempty"`
	Key   string `json:"key,omitempty"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
	Size  string `json:"size,omitempty"` // xs … 3xl
}

// Image shows the image at Src.
type Image struct {
	ID     string `json:"id,omitempty"`
	Key    string `json:"key,omitempty"`
	Src    string `json:"src"`
	Alt    string `json:"alt,omitempty"`
	Fit    string `json:"fit,omitempty"` // cover, contain, fill, scale-down, none
	Radius string `json:"radius,omitempty"`
	Frame  bool   `json:"frame,omitempty"`
	Flush  bool   `json:"flush,omitempty"`
	Height any    `json:"height,omitempty"`
	Width  any    `json:"width,omitempty"`
	Size   any    `json:"size,omitempty"`
}

func (Box) isComponent()        {}
func (Row) isComponent()        {}
func (Col) isComponent()        {}
func (Form) isComponent()       {}
func (Text) isComponent()       {}
func (Title) isComponent()      {}
func (Caption) isComponent()    {}
func (Markdown) isComponent()   {}
func (Badge) isComponent()      {}
func (Button) isComponent()     {}
func (Checkbox) isComponent()   {}
func (Input) isComponent()      {}
func (Select) isComponent()     {}
func (DatePicker) isComponent() {}
func (Label) isComponent()      {}
func (Divider) isComponent()    {}
func (Spacer) isComponent()     {}
func (Icon) isComponent()       {}
func (Image) isComponent()      {}

// MarshalJSON implements json.Marshaler.
func (c Box) MarshalJSON() ([]byte, error) { type plain Box; return marshalTyped("Box", plain(c)) }

// MarshalJSON implements json.Marshaler.
func (c Row) MarshalJSON() ([]byte, error) { type plain Row; return marshalTyped("Row", plain(c)) }

// MarshalJSON implements json.Marshaler.
func (c Col) MarshalJSON() ([]byte, error) { type plain Col; return marshalTyped("Col", plain(c)) }

// MarshalJSON implements json.Marshaler.
func (c Form) MarshalJSON() ([]byte, error) { type plain Form; return marshalTyped("Form", plain(c)) }

// MarshalJSON implements json.Marshaler.
func (c Text) MarshalJSON() ([]byte, error) { type plain Text; return marshalTyped("Text", plain(c)) }

// MarshalJSON implements json.Marshaler.
func (c Title) MarshalJSON() ([]byte, error) {
	type plain Title
	return marshalTyped("Title", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Caption) MarshalJSON() ([]byte, error) {
	type plain Caption
	return marshalTyped("Caption", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Markdown) MarshalJSON() ([]byte, error) {
	type plain Markdown
	return marshalTyped("Markdown", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Badge) MarshalJSON() ([]byte, error) {
	type plain Badge
	return marshalTyped("Badge", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Button) MarshalJSON() ([]byte, error) {
	type plain Button
	return marshalTyped("Button", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Checkbox) MarshalJSON() ([]byte, error) {
	type plain Checkbox
	return marshalTyped("Checkbox", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Input) MarshalJSON() ([]byte, error) {
	type plain Input
	return marshalTyped("Input", plain(c))
}

// MarshalJSON implements json.Marshaler; nil Options encode as [].
func (c Select) MarshalJSON() ([]byte, error) {
	type plain Select
	c.Options = emptyIfNil(c.Options)
	return marshalTyped("Select", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c DatePicker) MarshalJSON() ([]byte, error) {
	type plain DatePicker
	return marshalTyped("DatePicker", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Label) MarshalJSON() ([]byte, error) {
	type plain Label
	return marshalTyped("Label", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Divider) MarshalJSON() ([]byte, error) {
	type plain Divider
	return marshalTyped("Divider", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Spacer) MarshalJSON() ([]byte, error) {
	type plain Spacer
	return marshalTyped("Spacer", plain(c))
}

// MarshalJSON implements json.Marshaler.
func (c Icon) MarshalJSON() ([]byte, error) { type plain Icon; return marshalTyped("Icon", plain(c)) }

// MarshalJSON implements json.Marshaler.
func (c Image) MarshalJSON() ([]byte, error) {
	type plain Image
	return marshalTyped("Image", plain(c))
}
