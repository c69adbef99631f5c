/** A form's submit button, which says what is happening and cannot be pressed again while it does. */
export function SubmitButton({ pending, label, busy }: { pending: boolean; label: string; busy: string }) {
  return (
    <button type="submit" disabled={pending}>
      {pending ? busy : label}
    </button>
  );
}
