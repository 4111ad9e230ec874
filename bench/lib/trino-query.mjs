export async function runTrinoQuery() {
  throw new Error('not wired yet');
}
