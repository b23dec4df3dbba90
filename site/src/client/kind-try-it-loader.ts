// Reference pages' try-it: each worked example (`section[data-kind-example]`) gets a "Try it" button that loads the
// editor island on demand. Lane kind-try-it (issue 16) fills this in; the reference pages import it already.
export {};
