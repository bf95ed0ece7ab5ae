/** Placeholder until the desktop-app issue: says where the engine can be used today. */
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 32, lineHeight: 1.5 }}>
      <h1>Quarry</h1>
      <p>The search window is on its way. Today, index and search from the command line:</p>
      <pre>npm run quarry -- index ~/code/my-repo{'\n'}npm run quarry -- search parseConfig</pre>
    </main>
  );
}
