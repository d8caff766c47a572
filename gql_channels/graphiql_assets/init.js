// Mounts GraphiQL with the explorer plugin. A served file rather than an inline
// <script>, so the page runs under `script-src 'self'`. Mirrors strawberry's page.
"use strict";

(function () {
  const EXAMPLE_QUERY = `# Welcome to GraphiQL
#
# Type queries into this side of the screen; Ctrl-Enter (or the play button)
# runs them, Ctrl-Space autocompletes. The explorer and the docs are on the left.
#
`;

  // URL parameters make a query shareable: ?q=...&variables=...&headers=...
  const parameters = {};
  for (const [key, value] of new URLSearchParams(window.location.search)) {
    parameters[key] = value;
  }

  function updateURL(data) {
    Object.assign(parameters, data);
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(parameters)) {
      if (value) {
        search.set(key, value);
      }
    }
    history.replaceState(null, "", "?" + search.toString());
  }

  const fetchURL = window.location.href.split("?")[0].split("#")[0];

  function toWebSocketURL(url) {
    const parsed = new URL(url);
    parsed.protocol = parsed.protocol === "https:" ? "wss:" : "ws:";
    parsed.hash = "";
    return parsed.toString();
  }

  // Django's CSRF middleware wants the cookie's token back in a header.
  const defaultHeaders = {};
  const csrfToken = Cookies.get("csrftoken");
  if (csrfToken) {
    defaultHeaders["x-csrftoken"] = csrfToken;
  }

  const fetcher = GraphiQL.createFetcher({
    url: fetchURL,
    headers: defaultHeaders,
    subscriptionUrl: toWebSocketURL(fetchURL),
  });

  // Constant props: strawberry's page keeps the editors' text in React state too, which only
  // re-renders GraphiQL on every keystroke to hand it back the text it already has.
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      query: parameters.q || EXAMPLE_QUERY,
      variables: parameters.variables,
      headers: parameters.headers,
      onEditQuery: function (value) {
        updateURL({ q: value });
      },
      onEditVariables: function (value) {
        updateURL({ variables: value });
      },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    }),
  );
})();
