export default function Home() {
  return <main className="page-status">Hearth</main>;
}
